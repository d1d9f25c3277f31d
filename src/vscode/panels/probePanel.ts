import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { decodeImage, type RgbImage } from '../../probe/imageDecode';
import { readSampleFolder } from '../../probe/imageFile';
import { ProbeError } from '../../probe/probeError';
import { listProbeExports, type ProbeExport } from '../../probe/probeExports';
import { ProbeModel } from '../../probe/probeModel';
import { runProbe } from '../../probe/runProbe';
import { thumbnailDataUrl } from '../../probe/thumbnail';
import {
  parseProbeMessage,
  ProtocolError,
  type HostToProbe,
  type ProbeImageWire,
  type ProbeToHost,
} from '../../protocol/probeMessages';
import { DisposableStore } from '../common/disposableStore';
import { commandIds, webviewTypes } from '../common/ids';
import type { Logger } from '../common/logger';
import { readProbeSampleImages } from '../common/settings';
import { webviewHtml, webviewResourceRoots } from '../common/webviewHtml';

export interface ProbeDeps {
  readonly extensionUri: vscode.Uri;
  readonly log: Logger;
  /** Folders holding exports: the export cache, then the ticStudio.probe.exportDirs setting. */
  exportRoots(): string[];
}

interface HeldImage {
  readonly wire: ProbeImageWire;
  readonly image: RgbImage;
}

/**
 * The Probe panel: images and texts from the webview, exported checkpoints from the export cache, zero-shot
 * probabilities (or caption recall) per model side by side. The models run in the extension host through
 * onnxruntime-node (loaded on the first run, so a broken binding fails the run with a message, never activation),
 * sessions kept while the panel is open.
 */
export class ProbePanel implements vscode.Disposable {
  private static current: ProbePanel | undefined;
  private readonly store = new DisposableStore();
  private readonly images = new Map<string, HeldImage>();
  private exports: ProbeExport[] = [];
  private readonly models = new Map<string, Promise<ProbeModel>>();
  private running: { requestId: number; controller: AbortController } | undefined;
  private ready = false;
  /** The sample images are offered once per panel: images the user removed do not come back on a reload. */
  private samplesOffered = false;
  private exampleLabels: string[] | null = null;

  static show(deps: ProbeDeps): ProbePanel {
    if (ProbePanel.current) {
      ProbePanel.current.panel.reveal();
      void ProbePanel.current.sendState();
      return ProbePanel.current;
    }
    const panel = vscode.window.createWebviewPanel(webviewTypes.probe, 'TiC Studio Probe', vscode.ViewColumn.Active, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: webviewResourceRoots(deps.extensionUri),
    });
    return new ProbePanel(panel, deps);
  }

  static registerSerializer(deps: ProbeDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(webviewTypes.probe, {
      deserializeWebviewPanel: async (panel) => {
        panel.webview.options = { enableScripts: true, localResourceRoots: webviewResourceRoots(deps.extensionUri) };
        ProbePanel.current?.dispose();
        new ProbePanel(panel, deps);
      },
    });
  }

  /** The open panel refreshes its list after an export. */
  static refresh(): void {
    void ProbePanel.current?.sendState();
  }

  get isReady(): boolean {
    return this.ready;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: ProbeDeps,
  ) {
    ProbePanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'tic-studio.svg');
    panel.webview.html = webviewHtml(panel.webview, deps.extensionUri, 'probe', 'TiC Studio Probe', ['probe.css']);
    this.store.add(panel.onDidDispose(() => this.dispose()));
    this.store.add(panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)));
    this.store.add(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('ticStudio.probe')) void this.sendState();
      }),
    );
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseProbeMessage(raw);
    if (message instanceof ProtocolError) {
      this.deps.log.warn(`Probe: dropped a message from the webview (${message.detail}).`);
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      this.deps.log.error(`Probe: ${message.type} failed: ${text}`);
      this.post({ type: 'error', requestId: message.type === 'run' ? message.requestId : null, message: text });
    }
  }

  private async handle(message: ProbeToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.offerSamples();
        await this.sendState();
        return;
      case 'log':
        this.deps.log[message.level](`Probe webview: ${message.text}`);
        return;
      case 'addImage':
        this.addImage(message.name, message.dataUrl);
        await this.sendState();
        return;
      case 'removeImage':
        this.images.delete(message.id);
        await this.sendState();
        return;
      case 'exportCheckpoint':
        await vscode.commands.executeCommand(commandIds.exportForProbe);
        return;
      case 'cancel':
        if (this.running?.requestId === message.requestId) this.running.controller.abort();
        return;
      case 'run':
        await this.run(message);
        return;
    }
  }

  private addImage(name: string, dataUrl: string): void {
    const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    let image: RgbImage;
    try {
      image = decodeImage(bytes);
    } catch (error) {
      throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.hold(name, image);
  }

  /**
   * The first time the panel opens with no images, the images of the `ticStudio.probe.sampleImages` folder (the
   * demo sets it) are loaded as if the user had added them, and its labels.txt becomes the example labels.
   */
  private async offerSamples(): Promise<void> {
    if (this.samplesOffered) return;
    this.samplesOffered = true;
    const folder = readProbeSampleImages(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    if (folder === undefined || this.images.size > 0) return;
    const samples = await readSampleFolder(folder);
    for (const reason of samples.skipped) this.deps.log.warn(`Probe: sample images in ${folder}: skipped ${reason}`);
    if (this.images.size > 0 || samples.images.length === 0) return;
    for (const sample of samples.images) this.hold(sample.name, sample.image);
    this.exampleLabels = samples.labels.length > 0 ? samples.labels : null;
    this.deps.log.info(`Probe: loaded ${samples.images.length} sample images from ${folder}.`);
  }

  private hold(name: string, image: RgbImage): void {
    const id = randomUUID();
    const wire = { id, name, width: image.width, height: image.height, thumbnail: thumbnailDataUrl(image) };
    this.images.set(id, { image, wire });
  }

  private async sendState(): Promise<void> {
    if (!this.ready) return;
    this.exports = await listProbeExports(this.deps.exportRoots());
    // No export yet is not a notice: the Models card says it, once, next to its Export button.
    const notice = !vscode.workspace.isTrusted
      ? 'Restricted mode: the probe runs checkpoints exported by you only after you trust this workspace.'
      : null;
    this.post({
      type: 'state',
      models: this.exports.map((e) => ({
        id: e.dir,
        label: e.label,
        arch: e.manifest.arch,
        source: e.manifest.sourceCheckpoint,
      })),
      images: [...this.images.values()].map((i) => i.wire),
      notice,
      exampleLabels: this.exampleLabels,
    });
  }

  private async run(message: Extract<ProbeToHost, { type: 'run' }>): Promise<void> {
    if (!vscode.workspace.isTrusted) throw new Error('The probe does not run in restricted mode.');
    this.running?.controller.abort();
    const controller = new AbortController();
    const requestId = message.requestId;
    this.running = { requestId, controller };
    const started = performance.now();
    try {
      const images = message.images.map((id) => {
        const held = this.images.get(id);
        if (!held) throw new Error('An image of this run was removed; run it again.');
        return held.image;
      });
      const known = new Set(this.exports.map((e) => e.dir));
      const models: ProbeModel[] = [];
      for (const dir of message.models) {
        if (!known.has(dir)) throw new Error(`${dir} is not an exported checkpoint TiC Studio lists.`);
        models.push(await this.model(dir));
      }
      const result = await runProbe(models, images, message.texts, message.mode, {
        signal: controller.signal,
        onProgress: (done, total, text) => this.post({ type: 'progress', requestId, done, total, message: text }),
      });
      this.post({
        type: 'result',
        requestId,
        mode: message.mode,
        images: message.images,
        texts: message.texts,
        labels: result.labels,
        captions: result.captions,
        elapsedMs: Math.round(performance.now() - started),
      });
    } catch (error) {
      const text = controller.signal.aborted
        ? 'Cancelled.'
        : error instanceof ProbeError
          ? `${error.message}${error.reason === 'runtimeUnavailable' ? ' (onnxruntime-node could not be loaded on this machine)' : ''}`
          : error instanceof Error
            ? error.message
            : String(error);
      this.post({ type: 'error', requestId, message: text });
    } finally {
      if (this.running?.requestId === requestId) this.running = undefined;
    }
  }

  /** One ProbeModel (two onnxruntime sessions) per export while the panel is open. */
  private model(dir: string): Promise<ProbeModel> {
    let model = this.models.get(dir);
    if (!model) {
      model = ProbeModel.open(dir);
      model.catch(() => this.models.delete(dir));
      this.models.set(dir, model);
    }
    return model;
  }

  private post(message: HostToProbe): void {
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    if (ProbePanel.current === this) ProbePanel.current = undefined;
    this.running?.controller.abort();
    for (const model of this.models.values())
      void model.then(
        (m) => m.dispose(),
        () => undefined,
      );
    this.models.clear();
    this.store.dispose();
    this.panel.dispose();
  }
}
