import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Frame, Locator, Page } from 'playwright-core';
import {
  installVsix,
  launchChromium,
  makeProfile,
  projectRoot,
  startCodeServer,
  workbenchUrl,
} from '../../scripts/lib/codeServer.mjs';

export const screenshotDir = join(projectRoot, 'test-results', 'screenshots');

/**
 * One real workbench for an e2e walk: the packaged .vsix installed into a fresh code-server profile, a copy of the
 * demo workspace opened, driven by headless Debian Chromium. Facts and selectors: docs/testing.md.
 */
export class Workbench {
  private constructor(
    readonly page: Page,
    readonly workspace: string,
    private readonly browser: BrowserContext,
    private readonly stopServer: () => Promise<void>,
    private readonly removeProfile: () => void,
  ) {}

  static async open(
    options: {
      theme?: 'dark' | 'light';
      settings?: Record<string, unknown>;
      env?: Record<string, string>;
      /** Changes the copy of the demo before the workbench opens it. */
      prepare?: (workspace: string) => void;
    } = {},
  ): Promise<Workbench> {
    const theme = options.theme ?? 'dark';
    const profile = makeProfile('tic-studio-e2e-', {
      'workbench.colorTheme': theme === 'dark' ? 'Default Dark Modern' : 'Default Light Modern',
      ...options.settings,
    });
    const vsix = join(projectRoot, 'dist', 'tic-studio.vsix');
    if (!existsSync(vsix)) throw new Error(`${vsix} is missing: run \`npm run package\` first (npm test does).`);
    await installVsix(profile, vsix);
    // The walk may write into the workspace (runs, evals): work on a copy of the demo.
    const workspace = join(profile.base, 'demo');
    cpSync(join(projectRoot, 'demo'), workspace, { recursive: true });
    options.prepare?.(workspace);
    const server = await startCodeServer({ profile, folder: workspace, env: options.env ?? {} });
    const browser = await launchChromium(profile.base, { colorScheme: theme });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(workbenchUrl(server.url, workspace));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    await page.locator('.activitybar').waitFor({ timeout: 60000 });
    mkdirSync(screenshotDir, { recursive: true });
    return new Workbench(page, workspace, browser, server.stop, profile.remove);
  }

  async screenshot(name: string): Promise<string> {
    const path = join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  /**
   * Opens the TiC Studio container in the activity bar. Clicking the icon of the container that is already open
   * closes the side bar, and after a reload the workbench restores the open container a moment after it shows the
   * activity bar: so the click is made only while the container is not showing, and again if it closed it.
   */
  async openContainer(): Promise<void> {
    const header = this.page.locator('.pane-header', { hasText: 'Experiments' }).first();
    for (let attempt = 1; ; attempt++) {
      if (await header.isVisible()) return;
      await this.page.locator('.activitybar [aria-label*="TiC Studio"]').first().click();
      try {
        await header.waitFor({ timeout: 10_000 });
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  /**
   * Clicks a row's inline action (hover first: the actions show on hover; hovered again when a refresh dropped the
   * hover). When the tree was refreshed a moment before, VS Code can deliver the click without its row; the command
   * then asks which item, in a quick pick titled like the action, and the item matching `pick` is chosen there, as
   * a user would.
   */
  async rowAction(row: Locator, action: string, pick: string | RegExp): Promise<void> {
    // The actions show only while the row is hovered; a refresh (a poll, a rescan) that re-renders the row drops the
    // hover, so hover again and click, at most 3 times, before failing on the last try's own error.
    const button = row.locator(`.actions [aria-label="${action}"]`);
    for (let attempt = 1; ; attempt++) {
      await this.page.mouse.move(0, 0);
      await row.hover();
      const clicked = await button.click({ timeout: attempt === 3 ? 30_000 : 5_000 }).then(
        () => true,
        (error: unknown) => {
          if (attempt === 3) throw error;
          return false;
        },
      );
      if (clicked) break;
    }
    const picker = this.page.locator('.quick-input-widget', { hasText: action });
    const asked = await picker.waitFor({ timeout: 2_000 }).then(
      () => true,
      () => false,
    );
    if (asked) await picker.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().click();
  }

  /**
   * Right-clicks `target` and chooses `action` in its context menu. A tree that re-renders (a rescan, a hover
   * appearing) can swallow the right-click or close the menu at once: the click is made again until the menu shows
   * the action, at most 3 times, and then it fails naming the action.
   */
  async contextMenu(target: Locator, action: string): Promise<void> {
    const item = this.page.locator('.context-view .action-label', { hasText: action }).first();
    for (let attempt = 1; ; attempt++) {
      await target.click({ button: 'right' });
      try {
        await item.waitFor({ timeout: 5_000 });
        // VS Code's menus ignore a click in their first moments (against selecting by accident): let it settle.
        await this.page.waitForTimeout(400);
        await item.click();
        // A click the menu did not take leaves it open: then the whole gesture is made again.
        await item.waitFor({ state: 'hidden', timeout: 2_000 });
        return;
      } catch (error) {
        await this.page.keyboard.press('Escape');
        if (attempt === 3) throw new Error(`the context menu never offered "${action}"`, { cause: error });
      }
    }
  }

  /**
   * Accepts the quick pick or input box whose title holds `title` with Enter (its default), and waits until it has
   * gone: an Enter that went elsewhere (a webview kept the focus, the widget was still being filled) is pressed
   * again, at most 3 times; then it fails naming the prompt.
   */
  async accept(title: string): Promise<void> {
    const widget = this.page.locator('.quick-input-widget', { hasText: title });
    await widget.waitFor();
    for (let attempt = 1; ; attempt++) {
      // Into the prompt's own input: a webview (the dashboard) can hold the keyboard focus meanwhile.
      await widget.locator('input').first().focus();
      await this.page.keyboard.press('Enter');
      const gone = await widget
        .waitFor({ state: 'hidden', timeout: 3000 })
        .then(() => true)
        .catch(() => false);
      if (gone) return;
      if (attempt === 3) throw new Error(`the prompt "${title}" is still open after 3 Enters into its input`);
    }
  }

  /** Runs a command from the palette by its "Category: Title". */
  async runCommand(label: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${label}`);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
    await this.page.keyboard.press('Enter');
  }

  /** Webviews are nested iframes: poll every frame until one shows the selector. */
  async webviewFrame(selector: string, timeoutMs = 30000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const frame of this.page.frames()) {
        try {
          if ((await frame.locator(selector).count()) > 0) return frame;
        } catch {
          // frames come and go while the webview loads
        }
      }
      await this.page.waitForTimeout(200);
    }
    throw new Error(`No webview frame shows ${selector} within ${timeoutMs} ms.`);
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.stopServer();
    // TIC_STUDIO_KEEP_PROFILE=1 keeps the profile (logs of the extension host and of TiC Studio) for debugging.
    if (process.env.TIC_STUDIO_KEEP_PROFILE) console.log(`e2e profile kept: ${join(this.workspace, '..')}`);
    else this.removeProfile();
  }
}

/** Registers an afterEach that keeps a screenshot of the workbench when a test fails (test-results/screenshots/). */
export function screenshotOnFailure(workbench: () => Workbench | undefined): void {
  afterEach(async function () {
    const test = this.currentTest;
    if (test?.state === 'failed') {
      await workbench()
        ?.screenshot(`FAILED-${test.title.replace(/[^\w]+/g, '-').slice(0, 80)}`)
        .catch(() => undefined);
    }
  });
}
