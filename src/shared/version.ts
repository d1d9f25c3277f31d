/** The extension's version, injected by the build from package.json so the CLI and the host agree. */
declare const __TIC_STUDIO_VERSION__: string | undefined;

export const version: string = typeof __TIC_STUDIO_VERSION__ === 'string' ? __TIC_STUDIO_VERSION__ : '0.0.0-dev';
