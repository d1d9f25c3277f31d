import { parseColor, type Rgba } from './cssColor';

/** The theme colours the charts draw with, resolved to concrete values (canvas and exports cannot use var()). */
export interface ThemeColors {
  kind: 'light' | 'dark' | 'highContrast' | 'highContrastLight';
  foreground: string;
  background: string;
  muted: string;
  border: string;
  focus: string;
  widgetBackground: string;
  /** Chart series colours, in the order series use them. */
  series: string[];
  red: string;
  green: string;
  blue: string;
  fontFamily: string;
  fontSize: number;
}

/** Series order: the most distinct pairs first (blue/orange, then green/purple, then red/yellow). */
const seriesVars = ['blue', 'orange', 'green', 'purple', 'red', 'yellow'] as const;

const fallbacks: Record<string, [light: string, dark: string]> = {
  foreground: ['#1f1f1f', '#cccccc'],
  background: ['#ffffff', '#1f1f1f'],
  muted: ['#717171', '#9d9d9d'],
  border: ['#c8c8c8', '#454545'],
  focus: ['#005fb8', '#0078d4'],
  red: ['#e51400', '#f14c4c'],
  blue: ['#1a85ff', '#3794ff'],
  yellow: ['#bf8803', '#cca700'],
  orange: ['#d18616', '#d18616'],
  green: ['#388a34', '#89d185'],
  purple: ['#652d90', '#b180d7'],
};

let normaliser: CanvasRenderingContext2D | null = null;

/** Any CSS colour text → the `#rrggbb` / `rgba()` form a canvas gives back; '' when it is not a colour. */
export function normaliseColor(text: string): string {
  const value = text.trim();
  if (!value) return '';
  normaliser ??= document.createElement('canvas').getContext('2d');
  if (!normaliser) return value;
  normaliser.fillStyle = '#000001';
  normaliser.fillStyle = value;
  const out = String(normaliser.fillStyle);
  return out === '#000001' && value !== '#000001' ? '' : out;
}

/** A resolved colour as channels (after normalising), or the theme's foreground/background when unreadable. */
export function colorChannels(text: string, fallback: Rgba): Rgba {
  return parseColor(normaliseColor(text)) ?? fallback;
}

export function themeKind(): ThemeColors['kind'] {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'highContrastLight';
  if (c.contains('vscode-high-contrast')) return 'highContrast';
  return c.contains('vscode-light') ? 'light' : 'dark';
}

/** Reads the VS Code theme variables now (call again after a theme change). */
export function readThemeColors(): ThemeColors {
  const kind = themeKind();
  const dark = kind === 'dark' || kind === 'highContrast' ? 1 : 0;
  const style = getComputedStyle(document.documentElement);
  const bodyStyle = getComputedStyle(document.body);
  const read = (names: string[], fallbackKey: string): string => {
    for (const name of names) {
      const v = normaliseColor(style.getPropertyValue(name) || bodyStyle.getPropertyValue(name));
      if (v) return v;
    }
    return fallbacks[fallbackKey]![dark]!;
  };
  const chart = (name: string): string => read([`--vscode-charts-${name}`], name);
  const size = parseFloat(style.getPropertyValue('--vscode-font-size') || bodyStyle.fontSize);
  return {
    kind,
    foreground: read(['--vscode-foreground', '--vscode-editor-foreground'], 'foreground'),
    background: read(['--vscode-editor-background'], 'background'),
    muted: read(['--vscode-descriptionForeground'], 'muted'),
    border: read(['--vscode-widget-border', '--vscode-panel-border', '--vscode-editorWidget-border'], 'border'),
    focus: read(['--vscode-focusBorder'], 'focus'),
    widgetBackground: read(['--vscode-editorWidget-background', '--vscode-editor-background'], 'background'),
    series: seriesVars.map(chart),
    red: chart('red'),
    green: chart('green'),
    blue: chart('blue'),
    fontFamily:
      style.getPropertyValue('--vscode-font-family').trim() || bodyStyle.fontFamily || 'system-ui, sans-serif',
    fontSize: Number.isFinite(size) && size > 0 ? size : 13,
  };
}

/**
 * Calls `onChange` after the theme changed: VS Code swaps the body class (vscode-light/dark/high-contrast) and
 * rewrites the variables in the <html> style attribute (also between two themes of the same kind).
 */
export function watchTheme(onChange: () => void): () => void {
  let frame = 0;
  const fire = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      onChange();
    });
  };
  const observer = new MutationObserver(fire);
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => observer.disconnect();
}
