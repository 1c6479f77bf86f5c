// SPDX-License-Identifier: BSD-3-Clause
// The dashboard: what the appliance does now and over the last hour. The
// series come once for the chosen window, then every second only the last
// few seconds, merged by time into a ring the charts draw from; counters,
// top talkers and alerts every few seconds.
import { api } from "../api.js";
import { h, fill, field, table, si, count, when, badge, panel, uid, endpoint } from "../ui.js";
import { LineChart, SeriesRing, lastSpan, clock } from "../chart.js";

const WINDOWS = [60, 300, 900, 3600];
const STORE = "wirewall.dashboard.";
const CT_NOT_STATES = new Set(["ct.new_per_s", "ct.total"]);

/** A choice kept in the browser between visits. */
const remember = (key, value) => {
	try {
		localStorage.setItem(STORE + key, value);
	} catch {
		// private mode: the choice lasts this visit only
	}
};
const recall = (key) => {
	try {
		return localStorage.getItem(STORE + key);
	} catch {
		return null;
	}
};

const known = (v) => v !== null && v !== undefined && v === v;
/** A small rate keeps a decimal (an average of 0.4 is not 0): "0.4/s", "12/s", "3.5 k/s". */
function rate(v, unit) {
	if (!known(v))
		return "–";
	const text = Math.abs(v) < 10 ? `${+v.toFixed(1)} ${unit}` : si(v, unit);
	return text.replace(" /s", "/s");
}
const perSecond = (v) => rate(v, "/s");
const whole = (v) => (known(v) ? count(Math.round(v)) : "–");

export default {
	title: "Dashboard",
	async mount(view, ctx) {
		const d = state();
		view.append(toolbar(d), d.error, headline(d), chartPanels(d),
			panel("Ports", d.portsBox, d.unaccounted),
			h("div", { class: "dash-lists" },
				panel("Top talkers", d.talkersBox, bySwitch(d)),
				panel("Recent alerts", d.alertsBox, h("a", { class: "button small", href: "#/alerts", text: "All alerts" }))));
		ctx.onLeave(() => {
			for (const c of allCharts(d))
				c.destroy();
		});
		ctx.every(1000, () => refresh(d, "series", () => pullSeries(d)));
		ctx.every(2000, () => refresh(d, "counters", () => pullStats(d)));
		ctx.every(5000, () => refresh(d, "top talkers", () => pullTalkers(d)));
		ctx.every(3000, () => refresh(d, "alerts", () => pullAlerts(d)));
	},
};

function state() {
	const win = Number(recall("window"));
	const d = {
		ring: new SeriesRing(3600),
		window: WINDOWS.includes(win) ? win : 300,
		rate: recall("rate") === "pps" ? "pps" : "bps",
		by: recall("talkers") === "packets" ? "packets" : "bytes",
		paused: false,
		loaded: 0, // seconds of history asked for so far (the ring holds all of it the appliance has)
		lastPull: 0,
		stats: null,
		ports: new Map(), // port name -> chart
		failures: new Map(), // what failed -> message
		error: h("p", { class: "form-error", role: "alert" }),
		tiles: {},
		portsBox: h("div", {}, loading()),
		unaccounted: h("span", { class: "badge bad", hidden: true, text: "packets unaccounted" }),
		talkersBox: h("div", {}, loading()),
		alertsBox: h("div", {}, loading()),
		shown: { talkers: "", alerts: "" },
	};
	d.throughputGrid = h("div", { class: "dash-charts" });
	d.drops = new LineChart({ title: "Drops by reason", unit: "pps", integer: true, format: (v) => rate(v, "pps"),
		empty: (span) => `No drops in the ${span}.` });
	d.events = new LineChart({ title: "Blocks and alerts by category", unit: "", integer: true, format: perSecond,
		empty: (span) => `No alerts in the ${span}.` });
	d.ctNew = new LineChart({ title: "New connections per second", unit: "", integer: true, format: perSecond });
	d.ctActive = new LineChart({ title: "Active connections by state", unit: "", integer: true, format: whole });
	d.ctLine = h("p", { class: "hint dash-ct" });
	return d;
}

const loading = () => h("p", { class: "loading", text: "Loading…" });

const allCharts = (d) => [...d.ports.values(), d.drops, d.events, d.ctNew, d.ctActive];

/** Run one refresh; a failure shows (once) above the page instead of a console message. */
async function refresh(d, what, fn) {
	try {
		await fn();
		d.failures.delete(what);
	} catch (e) {
		if (e.status === 401)
			return;
		d.failures.set(what, e.message);
	}
	const text = [...d.failures].map(([k, m]) => `Could not update the ${k}: ${m}`).join(" ");
	if (d.error.textContent !== text)
		d.error.textContent = text;
}

/* ---- controls ---- */

function toolbar(d) {
	const windowSel = h("select", { onchange: (e) => setWindow(d, Number(e.target.value)) },
		WINDOWS.map((s) => h("option", { value: s, selected: s === d.window, text: lastSpan(s).replace("last", "Last") })));
	const rateSel = h("select", { onchange: (e) => setRate(d, e.target.value) },
		h("option", { value: "bps", selected: d.rate === "bps", text: "Bits per second" }),
		h("option", { value: "pps", selected: d.rate === "pps", text: "Packets per second" }));
	const pause = h("button", { type: "button", "aria-pressed": "false", text: "Pause charts" });
	const since = h("span", { class: "hint dash-paused" });
	pause.addEventListener("click", () => {
		d.paused = !d.paused;
		pause.setAttribute("aria-pressed", String(d.paused));
		since.textContent = d.paused && d.t1 ? `Paused at ${clock(d.t1)}` : "";
		drawCharts(d);
	});
	return h("div", { class: "form-row dash-toolbar" },
		field("Time window", null, windowSel),
		field("Throughput in", null, rateSel),
		h("div", { class: "actions" }, pause, since));
}

function setWindow(d, seconds) {
	d.window = seconds;
	remember("window", seconds);
	drawCharts(d, true); // what the ring holds now; the next second brings the rest
}

function setRate(d, unit) {
	d.rate = unit;
	remember("rate", unit);
	for (const c of d.ports.values())
		c.set({ unit, format: (v) => si(v, unit) });
	drawCharts(d, true);
}

/* ---- series ---- */

async function pullSeries(d) {
	const seconds = secondsToAsk(d);
	const answer = await api.get("/series", { seconds });
	const now = performance.now();
	const got = d.ring.merge(answer);
	d.lastPull = now;
	d.loaded = Math.max(d.loaded, seconds);
	if (!got)
		return;
	const states = d.ring.names("ct.").filter((k) => !CT_NOT_STATES.has(k));
	d.ring.derive("ct.total", states, got[0], got[1]);
	addPortCharts(d);
	drawCharts(d, seconds >= d.window); // a wider window's history shows even when paused
	fillHeadline(d);
}

/** The whole window the first time (or when it grew), then what passed since the last answer. */
function secondsToAsk(d) {
	if (d.ring.end === null || d.loaded < d.window)
		return d.window;
	const passed = Math.ceil((performance.now() - d.lastPull) / 1000) + 2;
	return Math.min(3600, Math.max(3, passed));
}

function addPortCharts(d) {
	for (const k of d.ring.names("port.")) {
		const port = k.slice(5, k.lastIndexOf("."));
		if (d.ports.has(port))
			continue;
		const c = new LineChart({ title: `Throughput of port ${port}`, unit: d.rate, format: (v) => si(v, d.rate) });
		d.ports.set(port, c);
		const p = panel(`Throughput: ${port}`, c.el);
		p.classList.add("dash-chart");
		// Throughput first, in the order the API names the ports.
		d.throughputGrid.insertBefore(p, d.dropsPanel);
	}
}

/** Series of @p prefix with a value other than 0 in the window, as chart lines. */
function busy(d, prefix, t0) {
	return d.ring.names(prefix)
		.filter((k) => !CT_NOT_STATES.has(k) && d.ring.nonZeroSince(k, t0))
		.map((k) => ({ key: k, label: k.slice(prefix.length) }));
}

function drawCharts(d, force) {
	const ring = d.ring;
	if (ring.end === null || (d.paused && !force))
		return;
	const t1 = d.paused ? d.t1 : ring.end;
	const t0 = t1 - d.window + 1;
	d.t1 = t1;
	for (const [port, c] of d.ports) {
		c.setSeries([
			{ key: `port.${port}.rx_${d.rate}`, label: "received", color: 0 },
			{ key: `port.${port}.tx_${d.rate}`, label: "sent", color: 1 },
		]);
		c.update(ring, t0, t1);
	}
	d.drops.setSeries(busy(d, "drops.", t0));
	d.events.setSeries(busy(d, "events.", t0));
	d.ctNew.setSeries([{ key: "ct.new_per_s", label: "new", color: 2 }]);
	d.ctActive.setSeries([{ key: "ct.total", label: "total", color: 7 }, ...busy(d, "ct.", t0)]);
	for (const c of [d.drops, d.events, d.ctNew, d.ctActive])
		c.update(ring, t0, t1);
}

function chartPanels(d) {
	const chart = (title, c, extra, note) => {
		const p = panel(title, [c.el, extra || null]);
		p.classList.add("dash-chart");
		if (note)
			p.querySelector(".panel-head").append(h("span", { class: "hint", text: note }));
		return p;
	};
	// The port charts join this grid, before the drops, once the series name the ports.
	const grid = d.throughputGrid;
	d.dropsPanel = chart("Drops by reason", d.drops, null, "packets per second");
	grid.append(d.dropsPanel,
		chart("Blocks and alerts by category", d.events, null, "events per second"),
		chart("New connections", d.ctNew, null, "per second"),
		chart("Active connections", d.ctActive, d.ctLine, "by state"));
	return grid;
}

/* ---- headline numbers ---- */

const TILES = [
	["rx", "Received"],
	["tx", "Sent"],
	["drops", "Dropped"],
	["active", "Active connections"],
	["new", "New connections"],
	["alerts", "Alerts, last minute"],
];

function headline(d) {
	const dl = h("dl", { class: "dash-headline" });
	for (const [key, label] of TILES) {
		const value = h("dd", { class: "dash-value", text: "–" });
		const sub = h("dd", { class: "dash-sub hint", text: "" });
		d.tiles[key] = { value, sub };
		dl.append(h("div", { class: "dash-tile" }, h("dt", { text: label }), value, sub));
	}
	const id = uid("h");
	return h("section", { "aria-labelledby": id }, h("h2", { class: "sr-only", id, text: "Now" }), dl);
}

function setTile(d, key, value, sub) {
	const t = d.tiles[key];
	if (t.value.textContent !== value)
		t.value.textContent = value;
	if (sub !== undefined && t.sub.textContent !== sub)
		t.sub.textContent = sub;
}

/** Sum of the series of @p names at second @p t (NaN when all are holes). */
function sumAt(ring, names, t) {
	let s = NaN;
	for (const k of names) {
		const v = ring.at(k, t);
		if (v === v)
			s = (s === s ? s : 0) + v;
	}
	return s;
}

function fillHeadline(d) {
	const ring = d.ring;
	const t = ring.end;
	const ports = ring.names("port.");
	const total = (dir, unit) => sumAt(ring, ports.filter((k) => k.endsWith(`.${dir}_${unit}`)), t);
	setTile(d, "rx", si(total("rx", "bps"), "bps"), si(total("rx", "pps"), "pps"));
	setTile(d, "tx", si(total("tx", "bps"), "bps"), si(total("tx", "pps"), "pps"));
	setTile(d, "drops", rate(sumAt(ring, ring.names("drops."), t), "pps"),
		d.stats ? `${count(totalDrops(d.stats))} since start` : "");
	setTile(d, "active", whole(ring.at("ct.total", t)),
		d.stats ? `limit ${count(d.stats.conntrack.max_flows)}` : "");
	setTile(d, "new", perSecond(ring.at("ct.new_per_s", t)),
		d.stats ? `${count(d.stats.conntrack.created)} since start` : "");
	let alerts = 0;
	for (const k of ring.names("events."))
		alerts += ring.sum(k, t - 59, t);
	setTile(d, "alerts", count(alerts), d.stats ? autoBlocks(d.stats) : "");
}

const autoBlocks = (stats) => {
	const g = stats.guards || {};
	const n = g.auto_blocks || 0;
	return `${count(n)} auto block${n === 1 ? "" : "s"}` + (g.events_lost ? `, ${count(g.events_lost)} lost` : "");
};

const totalDrops = (stats) => Object.values(stats.ports || {}).reduce((s, p) => s + (p.drops_total || 0), 0);

/* ---- ports and connection table ---- */

async function pullStats(d) {
	const stats = await api.get("/stats");
	d.stats = stats;
	const ct = stats.conntrack || {};
	d.ctLine.textContent = `${count(ct.active)} of ${count(ct.max_flows)} tracked · ${count(ct.created)} created · `
		+ `${count(ct.expired)} expired · ${count(ct.early_dropped)} evicted early · ${count(ct.refused_full)} refused (table full)`;
	d.unaccounted.hidden = stats.conserved !== false;
	patchTable(d.portsBox, portsTable(stats));
}

/**
 * Show table @p fresh in @p box. A table of the same shape is updated cell
 * by cell instead, so the elements stay: a selection, the hover and a
 * test's handle survive the refresh.
 */
function patchTable(box, fresh) {
	const cells = box.querySelectorAll("td");
	const now = fresh.querySelectorAll("td");
	const rows = (t) => t.querySelectorAll("tr").length;
	if (!cells.length || cells.length !== now.length || rows(box) !== rows(fresh)) {
		fill(box, fresh);
		return;
	}
	cells.forEach((cell, i) => {
		if (!cell.isEqualNode(now[i]))
			cell.replaceChildren(...now[i].childNodes);
	});
	const label = fresh.querySelector("table").getAttribute("aria-label");
	box.querySelector("table").setAttribute("aria-label", label);
}

function portsTable(stats) {
	const rows = Object.entries(stats.ports || {}).map(([name, p]) => ({ name, ...p }));
	return table([
		{ label: "Port", get: (p) => h("strong", { text: p.name }) },
		{ label: "Link", get: (p) => (p.link ? badge(p.link.up ? "up" : "down") : h("span", { class: "muted", text: "not reported" })) },
		{ label: "Speed", get: (p) => speed(p.link) },
		{ label: "MAC", get: (p) => h("span", { class: "mono", text: (p.link && p.link.mac) || "–" }) },
		{ label: "Received", class: "num", get: (p) => traffic(p.rx_packets, p.rx_bytes) },
		{ label: "Sent", class: "num", get: (p) => traffic(p.tx_packets, p.tx_bytes) },
		{ label: "Forwarded", class: "num", get: (p) => traffic(p.forwarded_packets, p.forwarded_bytes) },
		{ label: "Dropped", class: "num", get: dropped },
		{ label: "To host", class: "num", get: (p) => count(p.to_host) },
		{ label: "Queued", class: "num", get: (p) => count(p.queued) },
		{ label: "Accounted", get: (p) => (p.conserved ? badge("yes", "ok") : badge("no", "bad")) },
	], rows, { class: "cards dash-ports", label: "Ports", empty: "no ports" });
}

function speed(link) {
	if (!link || !link.speed_mbps)
		return "–";
	return link.speed_mbps >= 1000 ? `${link.speed_mbps / 1000} Gbit/s` : `${link.speed_mbps} Mbit/s`;
}

const traffic = (packets, bytes) => h("span", {},
	h("span", { class: "dash-count", text: `${count(packets)} pkts` }), " ",
	h("span", { class: "hint dash-bytes", text: si(bytes, "B") }));

/** The total and the reasons behind it, biggest first. */
function dropped(p) {
	const reasons = Object.entries(p.drops || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
	const shown = reasons.slice(0, 4).map(([r, n]) => `${r} ${count(n)}`);
	if (reasons.length > 4)
		shown.push(`${reasons.length - 4} more`);
	return h("span", {}, h("span", { class: "dash-count", text: count(p.drops_total) }),
		shown.length ? h("span", { class: "hint dash-reasons", text: shown.join(", ") }) : null);
}

/* ---- top talkers ---- */

async function pullTalkers(d) {
	const answer = await api.get("/talkers", { by: d.by, top: 10 });
	const items = answer.items || [];
	const key = d.by + JSON.stringify(items);
	if (key === d.shown.talkers)
		return;
	d.shown.talkers = key;
	patchTable(d.talkersBox, talkersTable(d, items));
}

function bySwitch(d) {
	const sel = h("select", {
		onchange: (e) => {
			d.by = e.target.value;
			remember("talkers", d.by);
			refresh(d, "top talkers", () => pullTalkers(d));
		},
	}, h("option", { value: "bytes", selected: d.by === "bytes", text: "Bytes" }),
	h("option", { value: "packets", selected: d.by === "packets", text: "Packets" }));
	const f = field("Rank by", null, sel);
	f.classList.add("dash-by");
	return f;
}

function talkersTable(d, items) {
	const top = items.length ? items[0][d.by] || 1 : 1;
	const bar = (t) => {
		const fillEl = h("span", {});
		fillEl.style.width = `${Math.max(1, Math.round((100 * (t[d.by] || 0)) / top))}%`;
		return h("span", { class: "dash-bar", "aria-hidden": "true" }, fillEl);
	};
	const approx = (t, v) => (t.error ? `${v} (±${d.by === "bytes" ? si(t.error, "B") : count(t.error)})` : v);
	return table([
		{ label: "#", class: "num", get: (t) => String(items.indexOf(t) + 1) },
		{ label: "Address", get: (t) => h("a", { class: "mono", href: `#/flows?addr=${encodeURIComponent(t.addr)}`, text: t.addr }) },
		{ label: "Bytes", class: "num", get: (t) => approx(t, si(t.bytes, "B")) },
		{ label: "Packets", class: "num", get: (t) => count(t.packets) },
		{ label: "Share", get: bar },
	], items, { class: "cards dash-talkers", label: `Top talkers by ${d.by}, last hour`, empty: "no traffic in the last hour" });
}

/* ---- recent alerts ---- */

async function pullAlerts(d) {
	const answer = await api.get("/events", { limit: 10 });
	const items = answer.items || [];
	const key = JSON.stringify(items);
	if (key === d.shown.alerts)
		return;
	d.shown.alerts = key;
	patchTable(d.alertsBox, alertsTable(items));
}

/** Today's alerts by their time of day, older ones with the date. */
function alertTime(ts) {
	const full = when(ts);
	const today = when(Date.now() / 1000).slice(0, 10);
	return h("time", { datetime: ts, title: full, text: full.startsWith(today) ? full.slice(11) : full });
}


function alertsTable(items) {
	return table([
		{ label: "Time", get: (e) => alertTime(e.timestamp) },
		{ label: "Event", get: (e) => h("span", { class: "dash-event" }, badge(e.level || "info"), " ", e.event || "–",
			e.count > 1 ? h("span", { class: "hint", text: ` ×${count(e.count)}` }) : null) },
		{ label: "Category", get: (e) => (e.category ? h("a", { href: `#/alerts?category=${encodeURIComponent(e.category)}`, text: e.category }) : "–") },
		{ label: "Addresses", get: (e) => h("span", { class: "mono dash-ends" },
			h("span", { text: endpoint(e.src_ip, e.src_port) }), " → ", h("span", { text: endpoint(e.dest_ip, e.dest_port) })) },
		{ label: "Detail", get: (e) => h("span", { class: "dash-detail", text: e.detail || "" }) },
	], items, { class: "cards dash-alerts", label: "Recent alerts", empty: "no alerts" });
}
