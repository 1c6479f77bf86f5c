// SPDX-License-Identifier: BSD-3-Clause
// Flows: the connection table as it is now, the recent flow records and the
// top talkers of the last hour, all narrowed to one address on request. The
// search lives in the hash (#/flows?addr=10.10.0.1&top=25) so other pages
// can link here and a reload keeps it.
import { api, query, ApiError } from "../api.js";
import { h, fill, field, clearErrors, showErrors, table, si, count, when, duration, badge, panel, isAddress } from "../ui.js";

const TOPS = [10, 25, 100];
const TOP_DEFAULT = 10;
const CONNS_MS = 2000;
const RECORDS_MS = 5000;
const TALKERS_MS = 10000;

// Connection states (lib/conntrack) by how alive they are.
const STATE_KIND = {
	"established": "ok", "udp-replied": "ok",
	"syn-sent": "notice", "syn-recv": "notice", "udp-unreplied": "notice",
	"fin-wait": "fl-closing", "time-wait": "fl-closing", "close": "fl-closing",
};

// TCP flag bits in the order a connection uses them.
const TCP_FLAGS = [[0x02, "SYN"], [0x10, "ACK"], [0x08, "PSH"], [0x01, "FIN"], [0x04, "RST"], [0x20, "URG"], [0x40, "ECE"], [0x80, "CWR"]];

/** "1b" (hex, as eve.json gives them) -> "SYN ACK PSH FIN". */
function tcpFlags(hex) {
	const bits = parseInt(hex, 16);
	if (!hex || isNaN(bits))
		return "–";
	const names = TCP_FLAGS.filter(([b]) => bits & b).map(([, n]) => n);
	return names.length ? names.join(" ") : "none";
}

/** Seconds between two ISO times, to the millisecond when short. */
function span(start, end) {
	const ms = new Date(end) - new Date(start);
	if (isNaN(ms))
		return "–";
	return ms < 1000 ? `${ms} ms` : ms < 60000 ? `${(ms / 1000).toFixed(1)} s` : duration(ms / 1000);
}

/** Two numbers, one per direction: "→ forward" over "← reverse". */
function pair(fwd, rev, fmt) {
	const line = (arrow, word, v) => h("span", { class: "fl-dir" },
		h("span", { "aria-hidden": "true", class: "fl-arrow", text: arrow }),
		h("span", { class: "sr-only", text: word + " " }), fmt(v));
	return h("span", { class: "fl-pair" }, line("→", "forward", fwd), line("←", "reverse", rev));
}

const bytes = (n) => si(n, "B");

/**
 * Redraw @p box with @p fn, keeping the keyboard on the same control:
 * live tables are rebuilt every few seconds and a focused button must not
 * vanish under the operator.
 */
function redraw(box, fn) {
	const a = document.activeElement;
	const key = a && box.contains(a) ? a.dataset.fkey : null;
	fn();
	if (key) {
		const again = box.querySelector(`[data-fkey="${CSS.escape(key)}"]`);
		if (again)
			again.focus({ preventScroll: true });
	}
}

const notAnAddress = (a) => new ApiError(400, "invalid", `"${a}" is not an IPv4 or IPv6 address`, "addr");

function errorLine() {
	return h("p", { class: "form-error", role: "alert" });
}

export default {
	title: "Flows",
	async mount(view, ctx) {
		let addr = ctx.params.get("addr") || "";
		let top = TOPS.includes(Number(ctx.params.get("top"))) ? Number(ctx.params.get("top")) : TOP_DEFAULT;
		let by = ctx.params.get("by") === "packets" ? "packets" : "bytes";
		const seq = { conns: 0, records: 0, talkers: 0 };

		const addrInput = h("input", { type: "search", value: addr, autocomplete: "off", spellcheck: "false", placeholder: "10.10.0.1 or 2001:db8::1" });
		const topSelect = h("select", {}, TOPS.map((n) => h("option", { value: n, text: n })));
		topSelect.value = String(top);
		const form = h("form", { class: "flow-search", role: "search", "aria-label": "Flow search", novalidate: true },
			h("div", { class: "form-row" },
				field("Address", "addr", addrInput),
				field("Top", "top", topSelect),
				h("div", { class: "actions" },
					h("button", { type: "submit", class: "primary", text: "Search" }),
					h("button", { type: "button", text: "Clear", onclick: () => search("") }))),
			// Below the row, not under the field, so the row's inputs line up.
			h("p", { class: "hint", id: "flows-addr-hint", text: "Address matches the source or the destination; empty shows all." }),
			h("p", { class: "form-error", role: "alert" }));
		addrInput.setAttribute("aria-describedby", `${addrInput.getAttribute("aria-describedby")} flows-addr-hint`);
		form.addEventListener("submit", (e) => {
			e.preventDefault();
			search(addrInput.value.trim());
		});
		topSelect.addEventListener("change", () => search(addrInput.value.trim()));

		const conns = { box: h("div", {}), err: errorLine() };
		const records = { box: h("div", {}), err: errorLine() };
		const talkers = { box: h("div", {}), err: errorLine() };
		const byBytes = radio("bytes", "Bytes");
		const byPackets = radio("packets", "Packets");
		const bySwitch = h("fieldset", { class: "fl-switch" }, h("legend", { text: "Rank by" }), byBytes, byPackets);

		view.append(
			panel("Search", form),
			panel("Active connections", h("div", {}, conns.err, conns.box)),
			panel("Flow records", h("div", {}, records.err, records.box)),
			panel("Top talkers", h("div", {}, talkers.err, talkers.box), bySwitch));

		function radio(value, label) {
			const input = h("input", { type: "radio", name: "talkers-by", value, checked: by === value });
			input.addEventListener("change", () => {
				by = value;
				remember(false);
				loadTalkers();
			});
			return h("label", { class: "fl-radio" }, input, label);
		}

		/** The search into the hash, without remounting the page. */
		function remember(push) {
			const hash = "#/flows" + query({ addr, top: top === TOP_DEFAULT ? "" : top, by: by === "bytes" ? "" : by });
			if (hash !== location.hash)
				history[push ? "pushState" : "replaceState"](null, "", hash);
		}

		function search(a) {
			addrInput.value = a;
			// /flows answers 500 and /flow-records a path-less 400 to a
			// non-address: say it here instead of asking.
			if (a && !isAddress(a))
				return showErrors(form, notAnAddress(a));
			clearErrors(form);
			addr = a;
			top = Number(topSelect.value);
			remember(true);
			loadAll();
		}

		/** A button that searches for @p ip; @p key keeps focus across redraws. */
		function addrButton(ip, key) {
			return h("button", {
				type: "button", class: "fl-addr mono", "data-fkey": key + "|" + ip,
				"aria-label": `Search ${ip}`, text: ip,
				onclick: () => {
					search(ip);
					addrInput.focus();
				},
			});
		}

		function endpoint(ip, port, key) {
			if (!ip)
				return "–";
			const v6 = ip.includes(":");
			const hasPort = port !== undefined && port !== null;
			return h("span", { class: "fl-ep mono" },
				hasPort && v6 ? "[" : null, addrButton(ip, key),
				hasPort ? `${v6 ? "]" : ""}:${port}` : null);
		}

		const connKey = (c) => `${c.proto}|${c.src_ip}|${c.src_port}|${c.dest_ip}|${c.dest_port}|${c.bridge}`;
		const CONN_COLUMNS = [
			{ label: "Proto", get: (c) => String(c.proto || "–").toUpperCase() },
			{ label: "Source", get: (c) => endpoint(c.src_ip, c.src_port, "s" + connKey(c)) },
			{ label: "Destination", get: (c) => endpoint(c.dest_ip, c.dest_port, "d" + connKey(c)) },
			{ label: "State", get: (c) => badge(c.state || "–", STATE_KIND[c.state] || "info") },
			{ label: "Packets", class: "num", get: (c) => pair(c.packets?.[0], c.packets?.[1], count) },
			{ label: "Bytes", class: "num", get: (c) => pair(c.bytes?.[0], c.bytes?.[1], bytes) },
			{ label: "Expires in", class: "num", get: (c) => duration(c.expires_in) },
			{ label: "Bridge", get: (c) => c.bridge || "–" },
		];

		const recKey = (r) => `${r.timestamp}|${r.src_ip}|${r.src_port}|${r.dest_ip}|${r.dest_port}|${r.proto}`;
		const proto = (r) => r.icmp_type !== undefined
			? h("span", {}, r.proto, h("span", { class: "muted", text: ` type ${r.icmp_type}/${r.icmp_code ?? 0}` }))
			: r.proto || "–";
		const REC_COLUMNS = [
			{ label: "Ended", class: "fl-time", get: (r) => when(r.flow?.end || r.timestamp) },
			{ label: "Proto", get: proto },
			{ label: "Source", get: (r) => endpoint(r.src_ip, r.src_port, "s" + recKey(r)) },
			{ label: "Destination", get: (r) => endpoint(r.dest_ip, r.dest_port, "d" + recKey(r)) },
			{ label: "End reason", get: (r) => r.flow?.reason || "–" },
			{ label: "Action", get: (r) => badge(r.flow?.action || "–", r.flow?.action === "dropped" ? "bad" : "ok") },
			{ label: "Duration", class: "num", get: (r) => span(r.flow?.start, r.flow?.end) },
			{ label: "Packets", class: "num", get: (r) => pair(r.flow?.pkts_toserver, r.flow?.pkts_toclient, count) },
			{ label: "Bytes", class: "num", get: (r) => pair(r.flow?.bytes_toserver, r.flow?.bytes_toclient, bytes) },
			{ label: "TCP flags", class: "fl-flags", get: (r) => r.tcp ? pair(r.tcp.tcp_flags_ts, r.tcp.tcp_flags_tc, tcpFlags) : "–" },
		];

		const TALKER_COLUMNS = [
			{ label: "Address", get: (t) => addrButton(t.addr, "t") },
			{ label: "Bytes", class: "num", get: (t) => bytes(t.bytes) },
			{ label: "Packets", class: "num", get: (t) => count(t.packets) },
			// Space-Saving summaries may overcount by up to this much.
			{ label: "Overcount up to", class: "num", get: (t) => (t.error ? (by === "bytes" ? bytes(t.error) : count(t.error)) : "0") },
		];

		/** One panel's request, dropped if a newer one was made meanwhile. */
		async function fetchInto(name, part, path, params, show) {
			const my = ++seq[name];
			try {
				const data = await api.get(path, params);
				if (my !== seq[name] || !ctx.alive())
					return;
				part.err.textContent = "";
				redraw(part.box, () => show(data));
			} catch (e) {
				if (my === seq[name] && e.status !== 401)
					part.err.textContent = `Could not load: ${e.message}`;
			}
		}

		const whose = () => (addr ? ` of ${addr}` : "");

		const loadConns = () => fetchInto("conns", conns, "/flows", { top, addr }, (d) => fill(conns.box,
			table(CONN_COLUMNS, d.items, {
				class: "cards fl-table flows-conns", label: "Active connections",
				caption: `${count(d.items.length)} biggest connections${whose()}, refreshed every 2 s`,
				empty: `No active connections${whose()}.`,
			})));

		const loadRecords = () => fetchInto("records", records, "/flow-records", { top, addr }, (d) => fill(records.box,
			table(REC_COLUMNS, d.items, {
				class: "cards fl-table flows-records", label: "Flow records",
				caption: `${count(d.items.length)} biggest recent records${whose()} (${count(d.records)} written since start)`,
				empty: `No flow records${whose()} yet.`,
			})));

		// /talkers has no address filter: ask for the most and pick it out.
		const loadTalkers = () => fetchInto("talkers", talkers, "/talkers", { by, top: addr ? 100 : top }, (d) => {
			const items = addr ? d.items.filter((t) => t.addr === addr) : d.items;
			fill(talkers.box, table(TALKER_COLUMNS, items, {
				class: "cards fl-table flows-talkers", label: "Top talkers",
				caption: addr ? `${addr} among the top 100 talkers by ${by}, last hour` : `Top ${top} by ${by}, last hour`,
				empty: addr ? `${addr} is not among the top 100 talkers of the last hour.` : "No traffic in the last hour.",
			}));
		});

		function loadAll() {
			loadConns();
			loadRecords();
			loadTalkers();
		}

		// A bad address from a link: say so, and show everything meanwhile.
		if (addr && !isAddress(addr)) {
			showErrors(form, notAnAddress(addr));
			addr = "";
		}
		ctx.every(CONNS_MS, loadConns);
		ctx.every(RECORDS_MS, loadRecords);
		ctx.every(TALKERS_MS, loadTalkers);
	},
};
