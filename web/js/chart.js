// SPDX-License-Identifier: BSD-3-Clause
// Per-second time series on a canvas, without a library: a ring that holds
// the last hour of every series by time (SeriesRing) and a line chart that
// draws a window of it (LineChart). A chart draws only when its data, its
// window or its size changed, at most once per animation frame, and walks
// the ring's arrays directly: no objects per point.
import { h, si, uid } from "./ui.js";

/**
 * The last @p capacity seconds of named series. Second t of series NAME is
 * bufs.get(NAME)[t % capacity]; NaN is a hole (the API's null, or a second
 * no answer covered).
 */
export class SeriesRing {
	constructor(capacity) {
		this.cap = capacity || 3600;
		this.reset();
	}

	reset() {
		this.bufs = new Map();
		this.lastNonZero = new Map(); // name -> newest second with a value other than 0
		this.first = null; // oldest second held
		this.end = null; // newest second held
		this.version = 0; // changes with every merge (charts redraw on it)
	}

	/** Merge an answer of GET /series ({start, step: 1, series}); returns [from, to] or null. */
	merge(answer) {
		const series = (answer && answer.series) || {};
		let n = 0;
		for (const k in series)
			n = Math.max(n, series[k].length);
		if (!n)
			return null;
		const from = answer.start;
		const to = from + n - 1;
		// The appliance's clock went back (or it is another appliance): start over.
		if (this.end !== null && to < this.end - 60)
			this.reset();
		this.advance(to);
		for (const k in series) {
			const buf = this.buffer(k, true);
			const vals = series[k];
			let nz = this.lastNonZero.get(k) ?? -Infinity;
			for (let i = 0; i < vals.length; i++) {
				const v = vals[i] === null ? NaN : vals[i];
				buf[(from + i) % this.cap] = v;
				if (v && from + i > nz) // NaN and 0 are falsy
					nz = from + i;
			}
			this.lastNonZero.set(k, nz);
		}
		this.first = Math.max(this.first === null ? from : Math.min(this.first, from), this.end - this.cap + 1);
		this.version++;
		return [from, to];
	}

	/** Move the newest second to @p to: the slots it reuses become holes. */
	advance(to) {
		if (this.end !== null && to <= this.end)
			return;
		const from = this.end === null ? to : this.end + 1;
		const steps = Math.min(to - from + 1, this.cap);
		for (const buf of this.bufs.values())
			for (let i = 0; i < steps; i++)
				buf[(to - i) % this.cap] = NaN;
		this.end = to;
	}

	/** The array of series @p name (created full of holes when @p make). */
	buffer(name, make) {
		let buf = this.bufs.get(name);
		if (!buf && make) {
			buf = new Float64Array(this.cap).fill(NaN);
			this.bufs.set(name, buf);
		}
		return buf || null;
	}

	/** Value of @p name at second @p t, NaN when unknown. */
	at(name, t) {
		if (this.end === null || t > this.end || t < this.first)
			return NaN;
		const buf = this.bufs.get(name);
		return buf ? buf[t % this.cap] : NaN;
	}

	/** Names that start with @p prefix, in the order the API gave them. */
	names(prefix) {
		const out = [];
		for (const k of this.bufs.keys())
			if (k.startsWith(prefix))
				out.push(k);
		return out;
	}

	/** Whether @p name had a value other than 0 at or after second @p t. */
	nonZeroSince(name, t) {
		return (this.lastNonZero.get(name) ?? -Infinity) >= t;
	}

	/** Series @p name = sum of @p names over seconds [from, to] (a hole where all are holes). */
	derive(name, names, from, to) {
		const buf = this.buffer(name, true);
		const parts = names.map((k) => this.buffer(k)).filter(Boolean);
		let nz = this.lastNonZero.get(name) ?? -Infinity;
		for (let t = Math.max(from, this.first); t <= to; t++) {
			const i = t % this.cap;
			let s = NaN;
			for (const p of parts)
				if (p[i] === p[i]) // not NaN
					s = (s === s ? s : 0) + p[i];
			buf[i] = s;
			if (s && t > nz)
				nz = t;
		}
		this.lastNonZero.set(name, nz);
	}

	/** Sum of @p name over seconds [from, to], holes left out. */
	sum(name, from, to) {
		let s = 0;
		for (let t = Math.max(from, this.first ?? from); t <= to; t++) {
			const v = this.at(name, t);
			if (v === v)
				s += v;
		}
		return s;
	}
}

/** 60 -> "last minute", 300 -> "last 5 minutes", 3600 -> "last hour". */
export function lastSpan(seconds) {
	const unit = (n, word) => (n === 1 ? `last ${word}` : `last ${n} ${word}s`);
	if (seconds % 3600 === 0)
		return unit(seconds / 3600, "hour");
	if (seconds % 60 === 0)
		return unit(seconds / 60, "minute");
	return unit(seconds, "second");
}

/** Unix seconds -> "HH:MM:SS" in local time. */
export function clock(t) {
	const d = new Date(t * 1000);
	const p = (x) => String(x).padStart(2, "0");
	return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

// Colour-blind-friendly lines with enough contrast on the panel's background
// (light: white, dark: #1a2129); the axes take the console's own colours.
const PALETTE = {
	light: ["#1f6fb4", "#c9510c", "#138a5e", "#7a4fbf", "#c2276f", "#5d8a00", "#8a6a14", "#4a5563"],
	dark: ["#62adf2", "#f59a4c", "#3fcf9f", "#b39cf5", "#f06aa8", "#9bd15a", "#d9b45a", "#aab4c0"],
};
const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");
const live = new Set(); // charts on screen
let theme = null;

function currentTheme() {
	if (!theme) {
		const css = getComputedStyle(document.documentElement);
		const v = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
		theme = {
			palette: darkScheme.matches ? PALETTE.dark : PALETTE.light,
			text: v("--muted", "#5b6675"),
			grid: v("--line", "#d8dee6"),
			font: `11px ${getComputedStyle(document.body).fontFamily}`,
		};
	}
	return theme;
}

darkScheme.addEventListener("change", () => {
	theme = null;
	for (const c of live)
		c.restyle();
});

/** A value for an axis tick: "2.5 Mbps", "0.5", "40". */
function tickText(v, unit) {
	if (v === 0)
		return "0";
	if (Math.abs(v) < 1000)
		return `${+v.toPrecision(3)}${unit ? " " + unit : ""}`;
	return si(v, unit).replace(/(\.\d*?)0+(?=\s)/, "$1").replace(/\.(?=\s)/, "");
}

/** A y axis from 0 with about four steps of 1, 2, 2.5 or 5 times a power of ten. */
function yScale(max, integer) {
	if (!(max > 0))
		return { top: integer ? 4 : 1, step: integer ? 1 : 0.25 };
	const raw = max / 4;
	const pow = Math.pow(10, Math.floor(Math.log10(raw)));
	const f = raw / pow;
	let step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * pow;
	if (integer)
		step = Math.max(1, Math.round(step));
	return { top: Math.ceil(max / step - 1e-9) * step, step };
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/**
 * A line chart of some series of a SeriesRing over a window of seconds.
 * @p opts: {title, unit (for ticks), format(v) -> text (legend, tooltip),
 * integer (whole numbers only on the axis), empty("last 5 minutes") -> text shown
 * when there is no series to draw}. Put chart.el into the page; call
 * setSeries() and update() as data comes; destroy() when leaving.
 */
export class LineChart {
	constructor(opts) {
		this.o = { format: (v) => si(v, opts.unit), ...opts };
		this.series = []; // [{key, label, color, value (legend element), last, peak, mean}]
		this.colors = new Map(); // key -> palette index, stable while on screen
		this.signature = "";
		this.data = null;
		this.t0 = 0;
		this.t1 = -1;
		this.seen = -1; // data version drawn
		this.frame = 0;
		this.hover = null; // {x} under the pointer, or {t} from the keyboard
		this.geom = null; // the plot area of the last drawing
		this.build();
		live.add(this);
	}

	build() {
		const sumId = uid("chart-sum");
		this.canvas = h("canvas", { role: "img", tabindex: "0", "aria-label": this.o.title, "aria-describedby": sumId });
		this.cursor = h("div", { class: "chart-cursor", hidden: true });
		this.tip = h("div", { class: "chart-tip", hidden: true, "aria-hidden": "true" });
		this.note = h("p", { class: "chart-note", hidden: true });
		this.plot = h("div", { class: "chart-plot" }, this.canvas, this.cursor, this.tip, this.note);
		// Screen readers get the summary (latest, peak and mean of every line) instead.
		this.legend = h("ul", { class: "chart-legend", "aria-hidden": "true" });
		this.summary = h("p", { class: "sr-only", id: sumId });
		this.el = h("figure", { class: "chart" }, this.plot, this.legend, this.summary);
		this.canvas.addEventListener("pointermove", (e) => this.pointAt({ x: e.offsetX }));
		this.canvas.addEventListener("pointerleave", () => this.pointAt(null));
		this.canvas.addEventListener("blur", () => this.pointAt(null));
		this.canvas.addEventListener("keydown", (e) => this.key(e));
		this.resizer = new ResizeObserver(() => this.schedule());
		this.resizer.observe(this.plot);
	}

	/** Change options (unit, format, title) and redraw. */
	set(opts) {
		Object.assign(this.o, opts);
		this.seen = -1;
		this.schedule();
	}

	/** The lines to draw: [{key, label, color?: palette index}]. */
	setSeries(list) {
		const signature = list.map((s) => s.key + "\u0000" + s.label).join("\u0001");
		if (signature === this.signature)
			return;
		this.signature = signature;
		for (const k of this.colors.keys())
			if (!list.some((s) => s.key === k))
				this.colors.delete(k);
		this.series = list.map((s) => ({ key: s.key, label: s.label, color: this.colorOf(s), value: null, last: NaN, peak: NaN, mean: NaN }));
		this.fillLegend();
		this.seen = -1;
		this.schedule();
	}

	colorOf(s) {
		if (s.color !== undefined)
			return s.color;
		if (!this.colors.has(s.key)) {
			const used = new Set(this.colors.values());
			let i = 0;
			while (used.has(i) && i < PALETTE.light.length)
				i++;
			this.colors.set(s.key, i % PALETTE.light.length);
		}
		return this.colors.get(s.key);
	}

	fillLegend() {
		const pal = currentTheme().palette;
		this.legend.replaceChildren(...this.series.map((s) => {
			const swatch = h("span", { class: "chart-swatch" });
			swatch.style.background = pal[s.color];
			s.value = h("span", { class: "chart-value", text: "–" });
			return h("li", {}, swatch, h("span", { class: "chart-label", text: s.label }), s.value);
		}));
	}

	/** Show seconds [t0, t1] of @p data (a SeriesRing); draws when anything changed. */
	update(data, t0, t1) {
		if (data === this.data && data.version === this.seen && t0 === this.t0 && t1 === this.t1)
			return;
		this.data = data;
		this.t0 = t0;
		this.t1 = t1;
		this.seen = -1;
		this.schedule();
	}

	schedule() {
		if (!this.frame)
			this.frame = requestAnimationFrame(() => {
				this.frame = 0;
				this.draw();
			});
	}

	restyle() {
		this.fillLegend();
		this.seen = -1;
		this.schedule();
	}

	destroy() {
		live.delete(this);
		this.resizer.disconnect();
		if (this.frame)
			cancelAnimationFrame(this.frame);
	}

	/** Latest value, peak and mean of every line over the window. */
	measure() {
		const { data, t0, t1 } = this;
		let max = 0;
		for (const s of this.series) {
			const buf = data.buffer(s.key);
			s.last = s.peak = s.mean = NaN;
			if (!buf || data.end === null)
				continue;
			let sum = 0;
			let n = 0;
			let peak = -Infinity;
			for (let t = Math.max(t0, data.first); t <= t1; t++) {
				const v = buf[t % data.cap];
				if (v !== v)
					continue;
				sum += v;
				n++;
				if (v > peak)
					peak = v;
			}
			if (n) {
				s.peak = peak;
				s.mean = sum / n;
				max = Math.max(max, peak);
			}
			// The newest second may be a hole: say the last value of the past few.
			for (let t = t1; t > t1 - 5 && t >= data.first && s.last !== s.last; t--)
				s.last = buf[t % data.cap];
		}
		return max;
	}

	draw() {
		const w = this.plot.clientWidth;
		const ht = this.plot.clientHeight;
		if (!w || !ht || !this.data)
			return;
		const dpr = window.devicePixelRatio || 1;
		if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(ht * dpr)) {
			this.canvas.width = Math.round(w * dpr);
			this.canvas.height = Math.round(ht * dpr);
		}
		const g = this.canvas.getContext("2d");
		const th = currentTheme();
		g.setTransform(dpr, 0, 0, dpr, 0, 0);
		g.clearRect(0, 0, w, ht);
		g.font = th.font;
		this.seen = this.data.version;

		const scale = yScale(this.measure(), this.o.integer);
		const geom = this.layout(g, scale, w, ht);
		this.axes(g, th, scale, geom);
		this.lines(g, th, scale, geom);
		this.geom = geom;
		this.describe();
		if (this.hover)
			this.showHover();
	}

	/** Where the plot goes: the y labels decide the left margin. */
	layout(g, scale, w, ht) {
		let labelW = 0;
		for (let v = 0; v <= scale.top + 1e-9; v += scale.step)
			labelW = Math.max(labelW, g.measureText(tickText(v, this.o.unit)).width);
		const left = Math.ceil(labelW) + 8;
		const top = 8;
		const bottom = ht - 20;
		const span = Math.max(1, this.t1 - this.t0);
		return { left, top, right: w - 8, bottom, x: (t) => left + ((t - this.t0) / span) * (w - 8 - left), y: (v) => bottom - (v / scale.top) * (bottom - top) };
	}

	axes(g, th, scale, geom) {
		g.strokeStyle = th.grid;
		g.fillStyle = th.text;
		g.lineWidth = 1;
		g.textAlign = "right";
		g.textBaseline = "middle";
		g.beginPath();
		for (let v = 0; v <= scale.top + 1e-9; v += scale.step) {
			const y = Math.round(geom.y(v)) + 0.5;
			g.moveTo(geom.left, y);
			g.lineTo(geom.right, y);
			g.fillText(tickText(v, this.o.unit), geom.left - 6, y);
		}
		g.stroke();

		// Time ticks on round local times, at least 64 px apart (a label is ~50 px).
		const perPx = (this.t1 - this.t0) / Math.max(1, geom.right - geom.left);
		const step = TIME_STEPS.find((s) => s / perPx >= 64) || 3600;
		const offset = -new Date(this.t0 * 1000).getTimezoneOffset() * 60;
		g.textAlign = "center";
		g.textBaseline = "top";
		g.beginPath();
		for (let t = Math.ceil((this.t0 + offset) / step) * step - offset; t <= this.t1; t += step) {
			const x = Math.round(geom.x(t)) + 0.5;
			g.moveTo(x, geom.bottom);
			g.lineTo(x, geom.bottom + 4);
			if (x > geom.left + 24 && x < geom.right - 24)
				g.fillText(clock(t), x, geom.bottom + 6);
		}
		g.stroke();
	}

	lines(g, th, scale, geom) {
		const { data, t0, t1 } = this;
		if (data.end === null)
			return;
		g.lineWidth = 1.5;
		g.lineJoin = "round";
		const from = Math.max(t0, data.first);
		for (const s of this.series) {
			const buf = data.buffer(s.key);
			if (!buf)
				continue;
			g.strokeStyle = th.palette[s.color];
			g.beginPath();
			let pen = false;
			for (let t = from; t <= t1; t++) {
				const v = buf[t % data.cap];
				if (v !== v) { // a hole: lift the pen
					pen = false;
					continue;
				}
				const x = geom.x(t);
				const y = geom.y(v);
				if (pen)
					g.lineTo(x, y);
				else
					g.moveTo(x, y);
				pen = true;
			}
			g.stroke();
		}
	}

	/** Legend values, the empty note, the canvas's label and the screen readers' summary. */
	describe() {
		const fmt = this.o.format;
		const span = lastSpan(this.t1 - this.t0 + 1);
		for (const s of this.series) {
			const text = fmt(s.last);
			if (s.value.textContent !== text)
				s.value.textContent = text;
		}
		const empty = !this.series.length && this.o.empty ? this.o.empty(span) : "";
		const waiting = this.data.end === null ? "Waiting for data…" : "";
		this.note.textContent = waiting || empty;
		this.note.hidden = !(waiting || empty);
		const now = this.series.map((s) => `${s.label} ${fmt(s.last)}`).join(", ");
		this.canvas.setAttribute("aria-label", `${this.o.title}, ${span}: ${now || waiting || empty}`);
		this.summary.textContent = this.series.length
			? `${this.o.title} over the ${span}. ` + this.series.map((s) =>
				`${s.label}: now ${fmt(s.last)}, peak ${fmt(s.peak)}, average ${fmt(s.mean)}.`).join(" ")
			: `${this.o.title}: ${waiting || empty}`;
	}

	pointAt(where) {
		this.hover = where;
		this.showHover();
	}

	/** Arrows move the cursor a second (Shift: ten), Home/End to the ends, Escape hides it. */
	key(e) {
		const moves = { ArrowLeft: -1, ArrowRight: 1 };
		let t = this.hover && this.hover.t !== undefined ? this.hover.t : this.t1;
		if (e.key in moves)
			t += moves[e.key] * (e.shiftKey ? 10 : 1);
		else if (e.key === "Home")
			t = this.t0;
		else if (e.key === "End")
			t = this.t1;
		else if (e.key === "Escape") {
			this.pointAt(null);
			return;
		} else
			return;
		e.preventDefault();
		this.pointAt({ t: Math.min(this.t1, Math.max(this.t0, t)) });
	}

	/** The cursor line and the tooltip with every line's value at the second under it. */
	showHover() {
		const geom = this.geom;
		if (!this.hover || !geom || !this.series.length) {
			this.cursor.hidden = this.tip.hidden = true;
			return;
		}
		let t = this.hover.t;
		if (t === undefined) {
			const span = this.t1 - this.t0;
			t = Math.round(this.t0 + ((this.hover.x - geom.left) / (geom.right - geom.left)) * span);
		}
		if (t < this.t0 || t > this.t1) {
			this.cursor.hidden = this.tip.hidden = true;
			return;
		}
		const x = geom.x(t);
		this.cursor.style.left = `${Math.round(x)}px`;
		this.cursor.style.top = `${geom.top}px`;
		this.cursor.style.height = `${geom.bottom - geom.top}px`;
		this.cursor.hidden = false;
		const pal = currentTheme().palette;
		this.tip.replaceChildren(h("div", { class: "chart-tip-time", text: clock(t) }),
			...this.series.map((s) => {
				const swatch = h("span", { class: "chart-swatch" });
				swatch.style.background = pal[s.color];
				return h("div", {}, swatch, `${s.label} `, h("b", { text: this.o.format(this.data.at(s.key, t)) }));
			}));
		this.tip.hidden = false;
		const room = this.plot.clientWidth;
		const tw = this.tip.offsetWidth;
		this.tip.style.left = `${x + 12 + tw <= room ? x + 12 : Math.max(0, x - 12 - tw)}px`;
	}
}
