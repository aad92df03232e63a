// A small line chart on a canvas: time on x, values from zero on y, a legend. No dependencies.
'use strict';

window.LineChart = (() => {
  const palette = ['#1f6feb', '#2da44e', '#bf8700', '#cf222e', '#8250df'];

  // A round step (1, 2 or 5 times a power of ten) that splits the range into at most five intervals.
  function niceScale(max) {
    if (!(max > 0)) return { top: 1, step: 0.25 };
    const rough = max / 4;
    const magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = [1, 2, 5, 10].map(f => f * magnitude).find(candidate => candidate >= rough);
    return { top: Math.ceil(max / step - 1e-9) * step, step };
  }

  function formatValue(value) {
    if (value >= 1000) return (value / 1000).toFixed(value >= 10000 ? 0 : 1) + 'k';
    if (value >= 10 || value === 0 || Number.isInteger(value)) return String(Math.round(value));
    return value < 1 ? String(Math.round(value * 100) / 100) : value.toFixed(1);
  }

  function formatTime(ms) {
    const d = new Date(ms);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0') + ':' + String(d.getSeconds()).padStart(2, '0');
  }

  // series: [{ label, points: [{ t: ms, v: number|null }], color? }]; from/to: ms. Lines drawn first are
  // drawn wider, so a series hidden under an equal one still shows as its outline.
  function draw(canvas, series, from, to) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (width === 0 || height === 0) return;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const styles = getComputedStyle(canvas);
    const ink = styles.getPropertyValue('--chart-ink').trim() || '#57606a';
    const grid = styles.getPropertyValue('--chart-grid').trim() || '#d0d7de';
    const pad = { left: 44, right: 10, top: 24, bottom: 22 };
    const plotWidth = width - pad.left - pad.right;
    const plotHeight = height - pad.top - pad.bottom;

    let max = 0;
    for (const s of series) for (const p of s.points) if (p.v != null && p.v > max) max = p.v;
    const scale = niceScale(max);
    max = scale.top;
    const x = t => pad.left + ((t - from) / Math.max(1, to - from)) * plotWidth;
    const y = v => pad.top + plotHeight - (v / max) * plotHeight;

    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.strokeStyle = grid;
    ctx.fillStyle = ink;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let value = 0; value <= max + 1e-9; value += scale.step) {
      const yy = Math.round(y(value)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.left, yy);
      ctx.lineTo(width - pad.right, yy);
      ctx.stroke();
      ctx.fillText(formatValue(value), pad.left - 4, yy);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (let i = 0; i <= 5; i++) {
      const t = from + ((to - from) / 5) * i;
      ctx.fillText(formatTime(t), Math.min(Math.max(x(t), pad.left + 20), width - pad.right - 20), height - pad.bottom + 6);
    }

    series.forEach((s, index) => {
      const color = s.color || palette[index % palette.length];
      const visible = s.points.filter(p => p.v != null && p.t >= from && p.t <= to);
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2 + (series.length - 1 - index) * 2;
      ctx.beginPath();
      let drawing = false;
      for (const p of s.points) {
        if (p.v == null || p.t < from || p.t > to) { drawing = false; continue; }
        if (drawing) ctx.lineTo(x(p.t), y(p.v)); else ctx.moveTo(x(p.t), y(p.v));
        drawing = true;
      }
      ctx.stroke();
      // A value with no neighbour to draw a line to would be invisible: it gets a dot.
      const shown = p => p && p.v != null && p.t >= from && p.t <= to;
      for (const p of visible.filter(p => { const i = s.points.indexOf(p); return !shown(s.points[i - 1]) && !shown(s.points[i + 1]); })) {
        ctx.beginPath();
        ctx.arc(x(p.t), y(p.v), ctx.lineWidth / 2 + 1, 0, 2 * Math.PI);
        ctx.fill();
      }
    });

    let legendX = pad.left;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    series.forEach((s, index) => {
      const color = s.color || palette[index % palette.length];
      const last = [...s.points].reverse().find(p => p.v != null);
      const text = s.label + (last ? ' ' + formatValue(last.v) : '');
      ctx.fillStyle = color;
      ctx.fillRect(legendX, 8, 10, 3);
      ctx.fillStyle = ink;
      ctx.fillText(text, legendX + 14, 10);
      legendX += ctx.measureText(text).width + 30;
    });
  }

  return { draw };
})();
