import { polylineRuns, type Scene, type SceneItem } from './chartScene';

/**
 * Sizes `canvas` for the scene at the device pixel ratio (crisp on HiDPI screens) and draws it. Returns the 2D
 * context, scaled to CSS pixels, for overlays drawn on top.
 */
export function sceneToCanvas(
  scene: Scene,
  canvas: HTMLCanvasElement,
  pixelRatio: number,
  options: { transparent?: boolean } = {},
): CanvasRenderingContext2D {
  const ratio = Math.max(1, pixelRatio);
  const w = Math.max(1, Math.round(scene.width * ratio));
  const h = Math.max(1, Math.round(scene.height * ratio));
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, scene.width, scene.height);
  if (!options.transparent) {
    ctx.fillStyle = scene.background;
    ctx.fillRect(0, 0, scene.width, scene.height);
  }
  for (const item of scene.items) {
    ctx.save();
    if (item.clip) {
      ctx.beginPath();
      ctx.rect(scene.plot.x, scene.plot.y, scene.plot.w, scene.plot.h);
      ctx.clip();
    }
    ctx.globalAlpha = item.alpha ?? 1;
    drawItem(ctx, item, scene.fontFamily);
    ctx.restore();
  }
  return ctx;
}

function drawItem(ctx: CanvasRenderingContext2D, item: SceneItem, fontFamily: string): void {
  switch (item.kind) {
    case 'polyline': {
      ctx.strokeStyle = item.stroke;
      ctx.lineWidth = item.width;
      ctx.lineJoin = 'round';
      ctx.lineCap = 'round';
      ctx.setLineDash(item.dash ?? []);
      ctx.beginPath();
      for (const run of polylineRuns(item.points)) {
        ctx.moveTo(run[0]!, run[1]!);
        // A lone point still shows, as a dot the line width across.
        if (run.length === 2) ctx.lineTo(run[0]! + 0.01, run[1]!);
        for (let i = 2; i < run.length; i += 2) ctx.lineTo(run[i]!, run[i + 1]!);
      }
      ctx.stroke();
      return;
    }
    case 'line':
      ctx.strokeStyle = item.stroke;
      ctx.lineWidth = item.width;
      ctx.setLineDash(item.dash ?? []);
      ctx.beginPath();
      ctx.moveTo(item.x1, item.y1);
      ctx.lineTo(item.x2, item.y2);
      ctx.stroke();
      return;
    case 'rect':
      ctx.beginPath();
      if (item.radius && 'roundRect' in ctx) ctx.roundRect(item.x, item.y, item.w, item.h, item.radius);
      else ctx.rect(item.x, item.y, item.w, item.h);
      if (item.fill) {
        ctx.fillStyle = item.fill;
        ctx.fill();
      }
      if (item.stroke) {
        ctx.strokeStyle = item.stroke;
        ctx.lineWidth = item.strokeWidth ?? 1;
        ctx.setLineDash(item.dash ?? []);
        ctx.stroke();
      }
      return;
    case 'text':
      ctx.fillStyle = item.fill;
      ctx.font = `${item.bold ? 'bold ' : ''}${item.size}px ${fontFamily}`;
      ctx.textAlign = item.anchor === 'middle' ? 'center' : item.anchor === 'end' ? 'right' : 'left';
      ctx.textBaseline = item.baseline;
      if (item.rotate) {
        ctx.translate(item.x, item.y);
        ctx.rotate((item.rotate * Math.PI) / 180);
        ctx.fillText(item.text, 0, 0);
      } else ctx.fillText(item.text, item.x, item.y);
      return;
  }
}
