// SPDX-License-Identifier: BSD-3-Clause
// Alerts: the guards' events from the appliance's store, filtered by
// category, level, address and time, newest first, a page at a time, with
// downloads of everything that matches. The filters live in the hash
// (#/alerts?category=scan&addr=...) so other pages can link here and a
// reload keeps them.
import { api, query, ApiError } from "../api.js";
import { h, fill, field, uid, clearErrors, showErrors, table, pager, count, when, badge, panel, isAddress, endpoint } from "../ui.js";

// As lib/guard names them (WW_FOREACH_EVENT_CATEGORY, enum ww_event_level).
const CATEGORIES = ["arp", "icmp", "blocklist", "scan", "rate", "synflood", "http", "tls"];
const LEVELS = ["alert", "warning", "notice", "info"];
const FILTERS = ["category", "level", "addr", "since", "until"];
const LIMIT = 50;
const LIVE_MS = 2000;

/** Unix seconds -> a datetime-local value in local time ("" if not a time). */
function toLocalInput(secs) {
	if (!/^\d+$/.test(String(secs)))
		return "";
	const d = new Date(Number(secs) * 1000);
	const p = (x) => String(x).padStart(2, "0");
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A datetime-local value (local time) -> unix seconds, or "" if empty. */
function fromLocalInput(v) {
	if (!v)
		return "";
	const t = new Date(v).getTime();
	return isNaN(t) ? "" : Math.floor(t / 1000);
}

/** The filters of a hash query; values as typed (the API judges them). */
function filtersFrom(params) {
	const f = {};
	for (const k of FILTERS)
		if (params.get(k))
			f[k] = params.get(k);
	return f;
}

const rowKey = (ev) => JSON.stringify(ev);

/**
 * The filters as the API wants them. The table shows whole seconds while
 * the store keeps fractions and "until" is a whole second compared with
 * <=: To 05:00:27 must take the events shown as 05:00:27 too.
 */
function asked(f) {
	const q = { ...f };
	if (/^\d+$/.test(String(q.until ?? "")))
		q.until = Number(q.until) + 1;
	return q;
}

function select(options, value) {
	const s = h("select", {}, h("option", { value: "", text: "All" }),
		options.map((o) => h("option", { value: o, text: o })));
	// A value from a link that is not in the list still shows as the filter.
	if (value && !options.includes(value))
		s.append(h("option", { value, text: value }));
	s.value = value || "";
	return s;
}

function filterForm(f, handlers) {
	const category = select(CATEGORIES, f.category);
	const level = select(LEVELS, f.level);
	const addr = h("input", { type: "text", value: f.addr || "", autocomplete: "off", spellcheck: "false", placeholder: "10.10.0.1 or 2001:db8::1" });
	const from = h("input", { type: "datetime-local", step: "1", value: toLocalInput(f.since) });
	const to = h("input", { type: "datetime-local", step: "1", value: toLocalInput(f.until) });
	const hintId = uid("hint");
	const form = h("form", { class: "alert-filters", role: "search", "aria-label": "Alert filters", novalidate: true },
		h("div", { class: "form-row" },
			field("Category", "category", category),
			field("Level", "level", level),
			field("Address", "addr", addr),
			field("From", "since", from),
			field("To", "until", to),
			h("div", { class: "actions" },
				h("button", { type: "submit", class: "primary", text: "Apply" }),
				h("button", { type: "button", text: "Clear", onclick: handlers.clear }))),
		// Below the row, not under the field, so the row's inputs line up.
		h("p", { class: "hint", id: hintId, text: "Address matches the source or the destination." }),
		h("p", { class: "form-error", role: "alert" }));
	addr.setAttribute("aria-describedby", `${addr.getAttribute("aria-describedby")} ${hintId}`);
	form.addEventListener("submit", (e) => {
		e.preventDefault();
		handlers.apply({
			category: category.value,
			level: level.value,
			addr: addr.value.trim(),
			since: fromLocalInput(from.value),
			until: fromLocalInput(to.value),
		});
	});
	return form;
}

/** What the API would refuse or could never match; {path, message} or null. */
function checkFilters(f) {
	if (f.addr && !isAddress(f.addr))
		return new ApiError(400, "invalid", `"${f.addr}" is not an IPv4 or IPv6 address`, "addr");
	if (f.since !== undefined && f.until !== undefined && f.since !== "" && f.until !== "" && Number(f.until) < Number(f.since))
		return new ApiError(400, "invalid", "To is before From", "until");
	return null;
}

/** Every key of an event, as the store has it. */
function details(ev) {
	return h("dl", { class: "alert-keys" }, Object.entries(ev).map(([k, v]) => [
		h("dt", { text: k }),
		h("dd", { text: v !== null && typeof v === "object" ? JSON.stringify(v) : String(v) }),
	]));
}

const COLUMNS = (toggle) => [
	{ label: "Time", get: toggle },
	{ label: "Level", get: (ev) => badge(ev.level || "info") },
	{ label: "Category", get: (ev) => ev.category || "–" },
	{ label: "Event", get: (ev) => h("span", { class: "mono", text: ev.event || ev.event_type || "–" }) },
	{ label: "Source", class: "addr", get: (ev) => h("span", { class: "mono", text: endpoint(ev.src_ip, ev.src_port) }) },
	{ label: "Destination", class: "addr", get: (ev) => h("span", { class: "mono", text: endpoint(ev.dest_ip, ev.dest_port) }) },
	{ label: "Count", class: "num", get: (ev) => count(ev.count) },
	{ label: "Detail", class: "alert-detail-text", get: (ev) => ev.detail || "" },
];

export default {
	title: "Alerts",
	async mount(view, ctx) {
		let filters = filtersFrom(ctx.params);
		let offset = Math.max(0, parseInt(ctx.params.get("offset"), 10) || 0);
		let live = true;
		let seq = 0;          // answers older than the latest request are dropped
		let shown = null;     // the answer on screen, to skip identical redraws
		let refused = false;  // the API refused the filters: no live retries
		const expanded = new Set();

		const results = h("div", { class: "alert-results" });
		const loadError = h("p", { class: "form-error", role: "alert" });
		const csv = h("a", { class: "button small", download: true, text: "Export CSV" });
		const json = h("a", { class: "button small", download: true, text: "Export JSON" });
		const liveId = uid("live");
		const liveBox = h("input", { type: "checkbox", id: liveId, checked: true, "aria-describedby": liveId + "-hint" });
		const liveHint = h("span", { class: "hint", id: liveId + "-hint", text: "every 2 s on the first page" });
		const form = filterForm(filters, { apply, clear });

		view.append(
			panel("Filters", form),
			panel("Alert log", h("div", {}, loadError, results),
				h("div", { class: "alert-tools" },
					h("div", { class: "field check" }, liveBox, h("label", { for: liveId, text: "Live" }), liveHint),
					csv, json)));

		liveBox.addEventListener("change", () => {
			live = liveBox.checked;
			if (live && !refused)
				load(false);
		});

		function exportLinks() {
			csv.href = "/api/v1/events" + query({ ...asked(filters), format: "csv" });
			json.href = "/api/v1/events" + query({ ...asked(filters), format: "json" });
		}

		/** The filters and page into the hash, without reloading the page. */
		function remember(push) {
			const q = query({ ...filters, offset: offset || "" });
			const hash = "#/alerts" + q;
			if (hash === location.hash)
				return;
			if (push)
				history.pushState(null, "", hash);
			else
				history.replaceState(null, "", hash);
		}

		function apply(f) {
			const bad = checkFilters(f);
			if (bad)
				return showErrors(form, bad);
			filters = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== ""));
			offset = 0;
			refused = false;
			remember(true);
			load(true);
		}

		function clear() {
			for (const input of form.querySelectorAll("input, select"))
				input.value = "";
			apply({});
		}

		function go(to) {
			offset = to;
			remember(false);
			load(true);
		}

		function toggle(ev, key, detailId) {
			const open = expanded.has(key);
			return h("button", {
				type: "button", class: "row-toggle", "aria-expanded": String(open), "aria-controls": detailId,
				"aria-label": `Details of ${ev.event || "event"} at ${when(ev.timestamp)}`,
				onclick: (e) => {
					e.stopPropagation();
					flip(e.currentTarget, key);
				},
			}, h("span", { class: "chevron", "aria-hidden": "true" }), when(ev.timestamp));
		}

		function flip(button, key) {
			const open = button.getAttribute("aria-expanded") !== "true";
			button.setAttribute("aria-expanded", String(open));
			document.getElementById(button.getAttribute("aria-controls")).hidden = !open;
			button.closest("tr").classList.toggle("open", open);
			if (open)
				expanded.add(key);
			else
				expanded.delete(key);
		}

		function render(page) {
			const ids = new Map(page.items.map((ev) => [ev, uid("alert")]));
			const anyFilter = Object.keys(filters).length > 0;
			const t = table(COLUMNS((ev) => toggle(ev, rowKey(ev), ids.get(ev))), page.items, {
				class: "cards alerts",
				label: "Alerts",
				empty: anyFilter ? "No alerts match these filters." : "No alerts match: none recorded yet.",
				rowAttrs: (ev) => ({
					class: "alert-row" + (expanded.has(rowKey(ev)) ? " open" : ""),
					// The whole row opens its details; the button is the keyboard's way.
					onclick: (e) => {
						if (!window.getSelection().toString())
							flip(e.currentTarget.querySelector(".row-toggle"), rowKey(ev));
					},
				}),
			});
			// Each row's details right below it, hidden until opened.
			const rows = t.querySelectorAll("tbody tr.alert-row");
			page.items.forEach((ev, i) => rows[i].after(
				h("tr", { class: "alert-more", id: ids.get(ev), hidden: !expanded.has(rowKey(ev)) },
					h("td", { colspan: 8 }, details(ev)))));
			const focusKey = focusedKey(results);
			fill(results, t, page.total > page.limit || page.offset > 0 ? pager(page, go) : h("p", { class: "pager muted", text: `${count(page.total)} ${page.total === 1 ? "alert" : "alerts"}` }));
			restoreFocus(results, focusKey);
		}

		// A redraw replaces the rows and the pager: keep the keyboard on the
		// same control (a row's button, or Previous/Next).
		const nameOf = (b) => b.getAttribute("aria-label") || b.textContent;

		function focusedKey(box) {
			const b = document.activeElement;
			return b && b.tagName === "BUTTON" && box.contains(b) ? nameOf(b) : null;
		}

		function restoreFocus(box, name) {
			if (!name)
				return;
			const buttons = [...box.querySelectorAll("button")];
			const same = buttons.find((b) => nameOf(b) === name);
			const other = box.querySelector(".pager button:not(:disabled)");
			const target = same && !same.disabled ? same : same ? other : null;
			if (target)
				target.focus({ preventScroll: true });
		}

		async function load(byUser) {
			const my = ++seq;
			const bad = checkFilters(filters);
			if (bad) { // a bad value from the hash: say so instead of asking
				refused = true;
				return showErrors(form, bad);
			}
			exportLinks();
			try {
				const page = await api.get("/events", { ...asked(filters), offset, limit: LIMIT });
				if (my !== seq || !ctx.alive())
					return;
				loadError.textContent = "";
				if (byUser)
					clearErrors(form);
				const text = JSON.stringify(page);
				if (text !== shown) {
					shown = text;
					render(page);
				}
			} catch (e) {
				if (my !== seq || e.status === 401)
					return;
				if (e.path) {
					refused = true;
					if (e.path === "since" || e.path === "until") // it speaks of unix seconds
						e.message = `not a time the appliance accepts (${e.message})`;
					showErrors(form, e);
				}
				else
					loadError.textContent = `The alerts could not be loaded: ${e.message}`;
			}
		}

		// The first answer whatever the page (retried until there is one);
		// then live updates on page one only, where new alerts appear.
		const tick = () => {
			if (refused)
				return null;
			if (shown === null)
				return load(true);
			return live && offset === 0 ? load(false) : null;
		};
		ctx.every(LIVE_MS, tick);
	},
};
