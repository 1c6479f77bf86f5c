// SPDX-License-Identifier: BSD-3-Clause
// Protection: the guards' settings, one form per guard. A form sends only
// the keys the operator changed (PATCH /guards/NAME, all or nothing) and
// takes the answer as the new state; a refused change leaves the values on
// screen and shows the API's reason next to the field it names. The
// never-block list is not a guard setting at run time: it is the block
// lists' set "never-block", changed through /blocklist at once.
import { api, seg } from "../api.js";
import { h, fill, field, showErrors, clearErrors, notify, table, panel, count } from "../ui.js";

const NEVER_SET = "never-block";

const on = (what) => ({ key: "enabled", type: "bool", label: "Enabled", hint: what });
const startOnly = "Sizes a table at start: read-only here; change it in the configuration file and restart.";

/**
 * Every guard: its settings as controls. type: bool (checkbox), int (a
 * number), list (one item per line; numbers as numbers), bindings (the ARP
 * table). Hints say what a threshold does (from the README).
 */
const GUARDS = [
	{
		name: "arp", title: "ARP",
		intro: "Drops bad and spoofed ARP: keeps IP-to-MAC bindings, probes new claims before trusting them, limits ARP per sender.",
		keys: [
			on("Check ARP: bad opcodes, broadcast replies, spoofed claims (arp-spoof)."),
			{ key: "verify", type: "bool", label: "Verify new claims", hint: "A new IP-to-MAC claim is dropped (arp-unverified) until the appliance's probe (RFC 5227) is answered by the address's owner." },
			{ key: "rate", type: "int", label: "Rate (packets/s per MAC)", hint: "Token bucket per sender MAC; ARP over it is dropped (arp-rate)." },
			{ key: "burst", type: "int", label: "Burst (packets)", hint: "ARP packets a sender may send at once before the rate applies." },
			{ key: "probe_timeout_ms", type: "int", label: "Probe timeout (ms)", hint: "How long a probe waits for the owner's answer." },
			{ key: "max_bindings", type: "int", label: "Max bindings", hint: startOnly, startOnly: true },
			{ key: "bindings", type: "bindings", label: "Static bindings", hint: "A claim of a bound address with another MAC is dropped (arp-spoof). Protect the gateway this way. Added and removed bindings are sent with Save." },
		],
	},
	{
		name: "icmp", title: "ICMP",
		intro: "Drops fragmented, oversized, unwanted and broadcast ICMP, and limits ICMP per source.",
		keys: [
			on("Filter ICMP and ICMPv6."),
			{ key: "max_size", type: "int", label: "Max size (bytes)", hint: "Larger ICMP datagrams are dropped (icmp-size)." },
			{ key: "rate", type: "int", label: "Rate (packets/s per source)", hint: "Token bucket per source; ICMP over it is dropped (icmp-rate)." },
			{ key: "burst", type: "int", label: "Burst (packets)", hint: "ICMP packets a source may send at once before the rate applies." },
			{ key: "allow", type: "list", label: "Allowed ICMP types (one per line)", hint: "Names (echo-request) or numbers 0..255; other types are dropped (icmp-type). Add redirect to let redirects through." },
			{ key: "allow6", type: "list", label: "Allowed ICMPv6 types (one per line)", hint: "Names or numbers; neighbour discovery (133-136) is always allowed and never rate-limited." },
		],
	},
	{
		name: "blocklist", title: "Block lists",
		intro: "Drops packets from or to a listed address; detectors block through it (set auto).",
		keys: [
			on("Drop traffic of listed addresses. Off: detectors only alert."),
			{ key: "block_ttl", type: "int", label: "Block TTL (s)", hint: "Default duration of automatic blocks; the scan and rate detectors use their own “Block for”." },
			{ key: "max_entries", type: "int", label: "Max entries", hint: `${startOnly} Exact entries cost about 190-275 bytes each.`, startOnly: true },
		],
	},
	{
		name: "scan", title: "Port and host scans",
		intro: "A source that tries many ports or hosts within the window raises port-scan or host-scan and is blocked; FIN, NULL and Xmas probes raise stealth-scan.",
		keys: [
			on("Detect scans."),
			{ key: "ports", type: "int", label: "Distinct ports", hint: "Destination ports one source may try within the window (accepted or not) before port-scan." },
			{ key: "hosts", type: "int", label: "Distinct hosts", hint: "Destination hosts one source may try within the window before host-scan." },
			{ key: "window_ms", type: "int", label: "Window (ms)", hint: "The time the ports and hosts are counted over." },
			{ key: "block_ttl", type: "int", label: "Block for (s)", hint: "How long a scanner stays blocked; 0 = alert only." },
		],
	},
	{
		name: "rate", title: "Connection rate",
		intro: "A source opening connections faster than this raises too-fast and is blocked.",
		keys: [
			on("Limit new connections per source."),
			{ key: "new_per_s", type: "int", label: "New connections per second (per source)", hint: "Sustained rate of new connections one source may open." },
			{ key: "burst", type: "int", label: "Burst (connections)", hint: "New connections a source may open at once before the rate applies." },
			{ key: "block_ttl", type: "int", label: "Block for (s)", hint: "How long a source that was too fast stays blocked; 0 = alert only." },
		],
	},
	{
		name: "synflood", title: "SYN flood",
		intro: "More SYNs than this (in total or to one host) or more half-open connections raise syn-flood; while it lasts each source's SYNs are limited (syn-limit).",
		keys: [
			on("Detect SYN floods and limit sources during one."),
			{ key: "syn_per_s", type: "int", label: "SYNs per second (total)", hint: "SYN rate over all destinations that starts a flood." },
			{ key: "dst_syn_per_s", type: "int", label: "SYNs per second to one host", hint: "SYN rate to a single destination that raises syn-flood-target." },
			{ key: "half_open", type: "int", label: "Half-open connections", hint: "Connections waiting for their handshake (counted in total) that start a flood." },
			{ key: "source_syn_per_s", type: "int", label: "SYNs per second per source (during a flood)", hint: "What each source may still send while a flood lasts." },
			{ key: "source_burst", type: "int", label: "Source burst (SYNs)", hint: "SYNs a source may send at once during a flood." },
			{ key: "quiet_s", type: "int", label: "Quiet time (s)", hint: "Seconds below every threshold that end a flood (syn-flood-end)." },
		],
	},
	{
		name: "http", title: "HTTP and TLS",
		intro: "Reads the first request of each connection to these ports (HTTP Host and target, TLS SNI); a match drops it (http-block, tls-block) and resets both ends.",
		keys: [
			on("Block the hosts and URLs below."),
			{ key: "ports", type: "list", narrow: true, label: "HTTP ports (one per line)", hint: "Ports whose connections are read as HTTP." },
			{ key: "tls_ports", type: "list", narrow: true, label: "TLS ports (one per line)", hint: "Ports whose ClientHello server name (SNI) is checked." },
			{ key: "hosts", type: "list", label: "Blocked hosts (one per line)", hint: "example.com matches that host; .example.com it and every name under it." },
			{ key: "urls", type: "list", label: "Blocked URLs (one per line)", hint: "example.com/ads/ matches that host's requests whose target starts with /ads/." },
		],
	},
	{
		name: "events", title: "Events",
		intro: "Events are aggregated per kind and source: the first at once, the window's repeats as one more with a count.",
		keys: [
			{ key: "window_s", type: "int", label: "Aggregation window (s)", hint: "0: every event is reported on its own." },
		],
	},
];

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Text as the API wants it: digits as a number, the rest as typed (the API judges it). */
const asNumber = (s) => (/^-?\d+$/.test(s) ? Number(s) : s);

function boolControl(k) {
	const input = h("input", { type: "checkbox" });
	const el = field(k.label, k.path, input, k.hint);
	el.classList.add("check");
	return { el, get: () => input.checked, set: (v) => { input.checked = !!v; } };
}

function intControl(k) {
	// The API refuses start-only sizes while running (409 needs_restart).
	const input = h("input", { inputmode: "numeric", autocomplete: "off", class: "pr-num", readonly: !!k.startOnly });
	return { el: field(k.label, k.path, input, k.hint), get: () => asNumber(input.value.trim()), set: (v) => { input.value = String(v ?? ""); } };
}

function listControl(k) {
	const area = h("textarea", { rows: 3, spellcheck: "false", autocomplete: "off" });
	const el = field(k.label, k.path, area, k.hint);
	if (!k.narrow)
		el.classList.add("wide");
	return {
		el,
		get: () => area.value.split("\n").map((s) => s.trim()).filter(Boolean).map(asNumber),
		set: (v) => {
			area.value = (v || []).join("\n");
			area.rows = Math.min(8, Math.max(3, (v || []).length + 1));
		},
		itemName: (i) => `Line ${i + 1}`,
	};
}

/** ARP's static bindings: a table with remove buttons and an add row. */
function bindingsControl(k, changed) {
	let rows = [];
	const box = h("div", { class: "pr-bindings", id: `pr-${k.path.replace(/\W/g, "-")}`, tabindex: "-1", "data-path": k.path });
	const ip = h("input", { autocomplete: "off", spellcheck: "false", placeholder: "10.10.0.254" });
	const mac = h("input", { autocomplete: "off", spellcheck: "false", placeholder: "02:00:00:00:00:fe" });
	const err = h("p", { class: "field-error", id: `${box.id}-err`, "aria-live": "polite" });
	const addErr = h("p", { class: "field-error", "aria-live": "polite" });
	box.setAttribute("aria-describedby", err.id);
	const render = () => fill(box, table([
		{ label: "IP address", class: "mono", get: (b) => b.ip },
		{ label: "MAC address", class: "mono", get: (b) => b.mac },
		{ label: "Actions", class: "actions", get: (b) => h("button", {
			type: "button", class: "small danger", text: "Remove", "aria-label": `Remove binding ${b.ip}`,
			onclick: () => {
				rows = rows.filter((r) => r !== b);
				render();
				changed();
				ip.focus();
			},
		}) },
	], rows, { class: "cards", label: k.label, empty: "no static bindings" }));
	const add = () => {
		addErr.textContent = "";
		if (!ip.value.trim() || !mac.value.trim()) {
			addErr.textContent = "Give an IP address and a MAC address.";
			(ip.value.trim() ? mac : ip).focus();
			return;
		}
		rows = rows.concat({ ip: ip.value.trim(), mac: mac.value.trim() });
		ip.value = mac.value = "";
		render();
		changed();
		ip.focus();
	};
	// Enter in the add row adds the binding instead of saving the form.
	const enterAdds = (ev) => {
		if (ev.key === "Enter") {
			ev.preventDefault();
			add();
		}
	};
	ip.addEventListener("keydown", enterAdds);
	mac.addEventListener("keydown", enterAdds);
	const el = h("fieldset", { class: "pr-bindings-set wide" },
		h("legend", { text: k.label }),
		h("p", { class: "hint", text: k.hint }),
		box, err,
		h("div", { class: "form-row" },
			field("IP address", null, ip),
			field("MAC address", null, mac),
			h("div", { class: "actions" }, h("button", { type: "button", text: "Add binding", onclick: add }))),
		addErr);
	return {
		el,
		get: () => rows.map((b) => ({ ip: b.ip, mac: b.mac })),
		set: (v) => {
			rows = (v || []).map((b) => ({ ...b }));
			addErr.textContent = "";
			render();
		},
		itemName: (i) => `Binding ${i + 1}${rows[i] ? ` (${rows[i].ip})` : ""}`,
	};
}

function makeControl(k, changed) {
	if (k.type === "bool")
		return boolControl(k);
	if (k.type === "list")
		return listControl(k);
	if (k.type === "bindings")
		return bindingsControl(k, changed);
	return intControl(k);
}

/** The API's error, told by item for lists ("$.guards.icmp.allow[1]"). */
function describe(err, controls) {
	const m = /^(.*)\[(\d+)\]/.exec(err.path || "");
	const c = m && controls.find((x) => x.path === m[1]);
	if (!c || !c.itemName)
		return err;
	return { path: err.path, message: `${c.itemName(Number(m[2]))}: ${err.message}` };
}

/** One guard's form: Save sends what changed, Revert shows the saved values. */
function guardForm(g, settings, extra) {
	let saved = settings;
	const status = h("span", { class: "pr-status muted", "aria-live": "polite" });
	const markChanged = () => {
		status.textContent = controls.some((c) => !same(c.get(), saved[c.key])) ? "Unsaved changes" : "";
	};
	const controls = g.keys.filter((k) => k.key in settings).map((k) => {
		const spec = { ...k, path: `$.guards.${g.name}.${k.key}` };
		return { ...spec, ...makeControl(spec, markChanged) };
	});
	const show = (values) => {
		for (const c of controls)
			c.set(values[c.key]);
		markChanged();
	};
	const form = h("form", { class: "pr-form", novalidate: true },
		h("p", { class: "pr-intro muted", text: g.intro }),
		controls.filter((c) => c.type === "bool").map((c) => c.el),
		h("div", { class: "form-row" }, controls.filter((c) => c.type !== "bool").map((c) => c.el)),
		extra || null,
		h("p", { class: "form-error", role: "alert" }),
		h("div", { class: "pr-actions" },
			h("button", { type: "submit", class: "primary", text: "Save" }),
			h("button", { type: "button", text: "Revert", onclick: () => { clearErrors(form); show(saved); } }),
			status));
	form.addEventListener("input", markChanged);
	form.addEventListener("change", markChanged);
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		const changes = {};
		for (const c of controls)
			if (!same(c.get(), saved[c.key]))
				changes[c.key] = c.get();
		const keys = Object.keys(changes);
		if (!keys.length) {
			status.textContent = "No changes to save";
			return;
		}
		try {
			saved = await api.patch(`/guards/${seg(g.name)}`, changes);
			show(saved);
			notify(`${g.title} saved`);
		} catch (e) {
			showErrors(form, describe(e, controls));
		}
	});
	show(saved);
	return form;
}

/**
 * The never-block list: addresses detectors never block. At run time it is
 * the block lists' set "never-block", changed at once (not with Save).
 */
function neverBlock() {
	const list = h("div", { class: "pr-never-list" }, h("p", { class: "loading", text: "Loading…" }));
	const address = h("input", { autocomplete: "off", spellcheck: "false", placeholder: "10.10.0.0/24" });
	const load = async () => {
		try {
			const page = await api.get("/blocklist", { set: NEVER_SET, limit: 1000 });
			fill(list, table([
				{ label: "Address", class: "mono", get: (e) => e.address },
				{ label: "Origin", get: (e) => e.origin === "config" ? "configuration" : e.origin },
				{ label: "Actions", class: "actions", get: (e) => h("button", {
					type: "button", class: "small danger", text: "Remove",
					"aria-label": `Remove ${e.address} from never-block`,
					onclick: () => remove(e),
				}) },
			], page.items, { class: "cards", label: "Never block", empty: "no addresses: every address may be blocked automatically" }),
			page.total > page.items.length ? h("p", { class: "hint", text: `${count(page.total)} in all: see the Block lists page.` }) : null);
		} catch (e) {
			fill(list, h("p", { class: "form-error", role: "alert", text: `The never-block list could not be read: ${e.message}` }));
		}
	};
	const remove = async (e) => {
		if (!confirm(`Remove ${e.address} from never-block? It may then be blocked automatically.`))
			return;
		try {
			await api.del(`/blocklist/${seg(NEVER_SET)}/${e.address.split("/").map(seg).join("/")}`);
			notify(`${e.address} removed from never-block`);
		} catch (err) {
			notify(`${e.address}: ${err.message}`, "error");
		}
		load();
	};
	const form = h("form", { class: "pr-never", novalidate: true },
		h("h3", { text: "Never block" }),
		h("p", { class: "hint", text: "Addresses and prefixes the detectors never block (a never-block event instead). Changes apply at once; entries of the configuration come back at the next start." }),
		list,
		h("div", { class: "form-row" },
			field("Never-block address", "$.address", address, "An address or a prefix, IPv4 or IPv6"),
			h("div", { class: "actions" }, h("button", { type: "submit", text: "Add to never-block" }))),
		h("p", { class: "form-error", role: "alert" }));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		try {
			const r = await api.post("/blocklist", { address: address.value.trim(), set: NEVER_SET });
			notify(`${r.address} added to never-block`);
			address.value = "";
			load();
		} catch (e) {
			showErrors(form, e);
		}
	});
	load();
	return form;
}

/** The configured sets: read-only here, their entries are on the Block lists page. */
function configuredSets(sets) {
	const names = Object.keys(sets || {});
	return h("div", { class: "pr-sets" },
		h("h3", { text: "Configured sets" }),
		h("p", { class: "hint" },
			names.length ? names.map((n, i) => `${i ? ", " : ""}${n} (${count(sets[n].length)})`).join("") + ". " : "None in the configuration. ",
			"Entries are searched, added and removed on the ",
			h("a", { href: "#/blocklist", text: "Block lists page" }), "."));
}

export default {
	title: "Protection",
	async mount(view, ctx) {
		const guards = await api.get("/guards");
		if (!ctx.alive())
			return; // the operator went on meanwhile
		const panels = GUARDS.filter((g) => guards[g.name]).map((g) => {
			const extra = g.name === "blocklist" ? [configuredSets(guards.blocklist.sets)] : null;
			const p = panel(g.title, guardForm(g, guards[g.name], extra));
			p.classList.add(`pr-${g.name}`);
			if (g.name === "blocklist")
				p.append(neverBlock());
			return p;
		});
		view.append(h("p", { class: "muted pr-lead", text: "Each guard's settings. Save sends only what you changed, applied at once and saved to the configuration; Revert shows the saved values again." }),
			h("div", { class: "pr-grid" }, panels));
	},
};
