import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ProbeImageWire } from '../../src/protocol/probeMessages';
import { el } from '../shared/dom';
import { dataUrlProblem, imageFileProblem, imageName, readAsDataUrl } from './imageFiles';
import { formatPixels } from './probeFormat';
import { probeButton, probeSection } from './probeSection';
import { runLimits } from './runReadiness';

/**
 * The Images card: a drop zone and an "Add images…" button (which opens the hidden file input), then the host's
 * thumbnails with a Remove button each. Files are checked (PNG/JPEG, size) before they are read, and each becomes
 * one `addImage`; the host answers with a new state.
 */
export class ImagesView {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly status = el('p', {
    className: 'probe-status muted',
    attrs: { id: 'probe-images-status', role: 'status' },
  });
  private readonly list = el('ul', { className: 'probe-image-list', attrs: { 'aria-label': 'Images to probe' } });
  private readonly items = new Map<string, HTMLElement>();
  private count = 0;

  constructor(
    private readonly onAdd: (name: string, dataUrl: string) => void,
    private readonly onRemove: (id: string) => void,
  ) {
    this.input = el('input', {
      attrs: {
        id: 'probe-file-input',
        type: 'file',
        accept: 'image/png,image/jpeg',
        multiple: '',
        tabindex: '-1',
        'aria-hidden': 'true',
      },
    }) as HTMLInputElement;
    this.input.hidden = true;
    this.input.addEventListener('change', () => {
      const files = [...(this.input.files ?? [])];
      // Cleared so that picking the same file again fires `change` again.
      this.input.value = '';
      void this.addFiles(files);
    });
    const add = probeButton('Add images…', { id: 'probe-add-images', 'data-action': 'addImages' }, () =>
      this.input.click(),
    );
    const zone = el(
      'div',
      {
        className: 'probe-drop-zone',
        attrs: { id: 'probe-drop-zone', role: 'group', 'aria-label': 'Drop PNG or JPEG images here' },
      },
      [
        el('p', {
          text: 'Drop PNG or JPEG images here (in VS Code, hold Shift while dropping), or',
        }),
        add,
        this.input,
      ],
    );
    this.watchDrops(zone);
    this.element = probeSection('probe-images', 'Images', [], zone, this.status, this.list);
  }

  update(images: readonly ProbeImageWire[]): void {
    this.count = images.length;
    const next: HTMLElement[] = [];
    const seen = new Set<string>();
    for (const image of images) {
      if (seen.has(image.id)) continue;
      seen.add(image.id);
      let item = this.items.get(image.id);
      if (!item) {
        item = this.imageItem(image);
        this.items.set(image.id, item);
      }
      next.push(item);
    }
    const focusedGone = [...this.items.entries()].find(
      ([id, item]) => !seen.has(id) && item.contains(document.activeElement),
    );
    for (const id of [...this.items.keys()]) if (!seen.has(id)) this.items.delete(id);
    const current = [...this.list.children];
    if (current.length !== next.length || current.some((node, i) => node !== next[i]))
      this.list.replaceChildren(...next);
    this.list.hidden = next.length === 0;
    // The removed image had the focus (its Remove button): move it to a neighbour, not to the top of the page.
    if (focusedGone)
      (
        this.list.querySelector<HTMLElement>('vscode-button') ??
        this.element.querySelector<HTMLElement>('#probe-add-images')
      )?.focus();
  }

  private imageItem(image: ProbeImageWire): HTMLElement {
    const img = el('img', { className: 'probe-thumb', attrs: { alt: image.name, src: image.thumbnail } });
    const remove = probeButton(
      'Remove',
      { 'data-action': 'removeImage', 'aria-label': `Remove ${image.name}` },
      () => this.onRemove(image.id),
      true,
    );
    return el('li', { className: 'probe-image', attrs: { 'data-image-id': image.id, title: image.name } }, [
      img,
      el('span', { className: 'probe-image-name', text: image.name }),
      el('span', { className: 'muted probe-image-size', text: formatPixels(image.width, image.height) }),
      remove,
    ]);
  }

  private watchDrops(zone: HTMLElement): void {
    let depth = 0;
    const hasFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;
    zone.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth++;
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    });
    zone.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) zone.classList.remove('dragging');
    });
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      depth = 0;
      zone.classList.remove('dragging');
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length === 0) {
        this.say(
          'No image files in the drop. Drop PNG or JPEG files from your file manager (holding Shift), or use Add images….',
          true,
        );
        return;
      }
      void this.addFiles(files);
    });
    // A file dropped next to the zone would otherwise make the webview navigate to it.
    window.addEventListener('dragover', (event) => event.preventDefault());
    window.addEventListener('drop', (event) => event.preventDefault());
  }

  private say(text: string, problem = false): void {
    this.status.textContent = text;
    this.status.dataset.state = problem ? 'error' : 'info';
  }

  private async addFiles(files: File[]): Promise<void> {
    const problems: string[] = [];
    let room = runLimits.images - this.count;
    const accepted = files.filter((file) => {
      const problem = imageFileProblem(file);
      if (problem) problems.push(problem);
      else if (room <= 0) problems.push(`${file.name}: the probe takes at most ${runLimits.images} images.`);
      else {
        room--;
        return true;
      }
      return false;
    });
    if (accepted.length > 0)
      this.say(`Reading ${accepted.length === 1 ? accepted[0]!.name : `${accepted.length} images`}…`);
    let sent = 0;
    for (const file of accepted) {
      const name = imageName(file.name);
      try {
        const dataUrl = await readAsDataUrl(file);
        const problem = dataUrlProblem(name, dataUrl);
        if (problem) problems.push(problem);
        else {
          this.onAdd(name, dataUrl);
          sent++;
        }
      } catch (error) {
        problems.push(`${name}: could not be read (${error instanceof Error ? error.message : String(error)}).`);
      }
    }
    const added = sent > 0 ? `Added ${sent === 1 ? '1 image' : `${sent} images`}.` : '';
    const refused = problems.length > 0 ? `Refused: ${problems.join(' ')}` : '';
    this.say([added, refused].filter(Boolean).join(' '), problems.length > 0);
  }
}
