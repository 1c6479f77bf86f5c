// SPDX-License-Identifier: BSD-3-Clause
// Block lists: the addresses and prefixes the appliance drops traffic from
// or to, set by set. Operators search, add (optionally for a while) and
// remove entries; the detectors' automatic entries say which detector put
// them there, why, and when they go away (a countdown that ticks locally
// between two refreshes).
import { api, seg } from "../api.js";
import {
	h, fill, field, showErrors, clearErrors, notify, table, pager, when,
	duration, badge, panel, count,
} from "../ui.js";

const LIMIT = 50;
const REFRESH_MS = 5000;
const TICK_MS = 1000;
const SEARCH_DELAY_MS = 300;
const NEVER_SET = "never-block";

/** The detectors' reasons (event kinds): which detector, and what it saw. */
const REASONS = {
	"port-scan": ["scan detector", "one source probed many destination ports"],
	"host-scan": ["scan detector", "one source probed many destination hosts"],
	"stealth-scan": ["scan detector", "FIN, NULL or Xmas probes without a connection"],
	"too-fast": ["rate detector", "new connections from one source above the rate limit"],
	"syn-limit": ["SYN-flood guard", "SYNs from one source above the per-source limit"],
};

const TTL_CHOICES = [["10 min", "600"], ["1 h", "3600"], ["1 day", "86400"], ["Permanent", ""]];

const wide = (f) => {
	f.classList.add("wide");
	return f;
};

/** DELETE path of an entry: a prefix's "/" is a path separator of its own. */
const entryPath = (e) => `/blocklist/${seg(e.set)}/${e.address.split("/").map(seg).join("/")}`;

function originBadge(e) {
	if (e.origin === "auto") {
		const who = REASONS[e.reason] ? REASONS[e.reason][0] : e.reason || "detector";
		return badge(`automatic · ${who}`, "warning");
	}
	if (e.origin === "config")
		return badge("config", "ok");
	return badge(e.origin || "manual", "info");
}

function reasonCell(e) {
	if (e.set === NEVER_SET)
		return h("span", { class: "muted", text: "exempt from automatic blocks" });
	if (!e.reason)
		return h("span", { class: "muted", text: e.origin === "config" ? "listed in the configuration" : "–" });
	const known = REASONS[e.reason];
	return h("span", {},
		h("strong", { text: e.reason }),
		known ? h("span", { class: "bl-why", text: ` — ${known[1]}` }) : null);
}

/**
 * The expiry: the absolute time and a countdown whose deadline is
 * counted from when the answer arrived (the browser's clock may differ).
 */
function expiresCell(e, arrived) {
	if (e.expires === null || e.expires === undefined)
		return h("span", { class: "muted", text: "never" });
	const left = h("span", { class: "bl-countdown", "data-deadline": String(arrived + e.ttl_left * 1000) });
	tickOne(left, performance.now());
	return h("span", { class: "bl-expires" }, h("span", { text: when(e.expires) }), left);
}

function tickOne(span, now) {
	const s = (Number(span.dataset.deadline) - now) / 1000;
	span.textContent = s > 0 ? `in ${duration(s)}` : "expired";
	span.classList.toggle("expired", s <= 0);
}

function tickAll(root) {
	const now = performance.now();
	for (const span of root.querySelectorAll(".bl-countdown"))
		tickOne(span, now);
}

/** Focus survives a refresh: find the same control again by its name. */
function keepFocus(root, render) {
	const a = document.activeElement;
	const key = a && root.contains(a) ? a.getAttribute("aria-label") || a.textContent : null;
	render();
	if (!key)
		return;
	for (const b of root.querySelectorAll("button"))
		if ((b.getAttribute("aria-label") || b.textContent) === key && !b.disabled)
			return b.focus();
}

/** The TTL field with buttons that fill in common durations. */
function withQuickTtl(ttlField, ttlInput) {
	ttlField.classList.add("bl-ttl");
	ttlField.append(h("div", { class: "bl-quick", role: "group", "aria-label": "Quick TTL" },
		h("span", { class: "bl-quick-label muted", text: "Quick:" }),
		TTL_CHOICES.map(([label, value]) => h("button", {
			type: "button",
			class: "small",
			text: label,
			"aria-label": `TTL ${label}`,
			onclick: () => {
				ttlInput.value = value;
				ttlInput.focus();
			},
		}))));
	return ttlField;
}

/** The add form; @p added() after the API took an entry. */
function addForm(setList, added) {
	const address = h("input", { name: "address", autocomplete: "off", spellcheck: "false", placeholder: "203.0.113.7 or 2001:db8::/32" });
	const set = h("input", { name: "set", value: "manual", list: setList.id, autocomplete: "off", spellcheck: "false" });
	const ttl = h("input", { name: "ttl", inputmode: "numeric", autocomplete: "off", placeholder: "permanent" });
	const reason = h("input", { name: "reason", maxlength: 47, autocomplete: "off", placeholder: "ticket 4711" });
	const form = h("form", { class: "bl-add", novalidate: true },
		h("div", { class: "form-row" },
			wide(field("Address", "$.address", address, "An address or a prefix, IPv4 or IPv6")),
			field("Set", "$.set", set, "manual unless you name another set"),
			withQuickTtl(field("TTL (seconds)", "$.ttl", ttl, "Empty or 0: until removed"), ttl),
			field("Reason", "$.reason", reason, "Optional note, shown with the entry"),
			h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Add entry" }))),
		h("p", { class: "form-error", role: "alert" }));
	form.addEventListener("submit", async (ev) => {
		ev.preventDefault();
		clearErrors(form);
		const body = { address: address.value.trim() };
		if (set.value.trim())
			body.set = set.value.trim();
		const t = ttl.value.trim();
		// Digits go as a number; anything else as typed, for the API to refuse.
		if (t)
			body.ttl = /^\d+$/.test(t) ? Number(t) : t;
		if (reason.value.trim())
			body.reason = reason.value.trim();
		try {
			const r = await api.post("/blocklist", body);
			notify(`${r.address} added to ${r.set}${r.ttl ? ` for ${duration(r.ttl)}` : " until removed"}`);
			address.value = reason.value = "";
			address.focus();
			added(r.set);
		} catch (e) {
			showErrors(form, e);
		}
	});
	return form;
}

export default {
	title: "Block lists",
	async mount(view, ctx) {
		const st = {
			q: ctx.params.get("q") || "",
			set: ctx.params.get("set") || "",
			offset: 0,
			sets: {},
			seq: 0,
		};
		const setList = h("datalist", { id: "bl-sets" });
		const search = h("input", { type: "search", value: st.q, autocomplete: "off", spellcheck: "false", placeholder: "address or part of it" });
		const setSel = h("select", {}, h("option", { value: "", text: "All sets" }));
		const flushBtn = h("button", { type: "button", class: "danger", text: "Flush set", title: "Removes every entry of the set chosen in Set" });
		const summary = h("p", { class: "bl-summary muted" });
		const results = h("div", { class: "bl-results" }, h("p", { class: "loading", text: "Loading…" }));
		const listError = h("p", { class: "form-error", role: "alert" });

		const load = async () => {
			const seq = ++st.seq;
			const [page, stats] = await Promise.all([
				api.get("/blocklist", { set: st.set, q: st.q, offset: st.offset, limit: LIMIT }),
				api.get("/stats"),
			]);
			if (seq !== st.seq || !ctx.alive())
				return; // a newer search answered first
			const arrived = performance.now();
			listError.textContent = "";
			// Past the end (entries expired meanwhile): back to the last page.
			if (page.total && page.offset >= page.total) {
				st.offset = Math.floor((page.total - 1) / LIMIT) * LIMIT;
				return load();
			}
			showSets((stats.guards && stats.guards.blocklists) || {}, stats.guards && stats.guards.auto_blocks);
			keepFocus(results, () => fill(results, entriesTable(page.items, arrived),
				page.total > LIMIT ? pager(page, (o) => { st.offset = o; refresh(); }) : null));
		};
		const refresh = () => load().catch((e) => {
			listError.textContent = `The block lists could not be read: ${e.message}`;
		});

		const showSets = (sizes, autoBlocks) => {
			st.sets = sizes;
			const names = Object.keys(sizes).sort();
			if (st.set && !names.includes(st.set))
				names.push(st.set);
			const sig = names.map((n) => `${n}:${sizes[n]}`).join(",");
			if (setSel.dataset.sig !== sig) {
				setSel.dataset.sig = sig;
				fill(setSel, h("option", { value: "", text: "All sets" }),
					names.map((n) => h("option", { value: n, text: sizes[n] === undefined ? n : `${n} (${count(sizes[n])})` })));
				setSel.value = st.set;
				fill(setList, names.map((n) => h("option", { value: n })));
			}
			flushBtn.disabled = !st.set;
			const listed = names.filter((n) => sizes[n]).map((n) => `${n} ${count(sizes[n])}`);
			const text = `${listed.length ? `Entries by set: ${listed.join(" · ")}` : "No entries"}` +
				` — ${count(autoBlocks || 0)} automatic blocks since start`;
			if (summary.textContent !== text)
				summary.textContent = text;
		};

		const remove = async (e, button) => {
			if (!confirm(`Remove ${e.address} from set ${e.set}?`))
				return;
			const buttons = [...results.querySelectorAll("td.actions button")];
			const at = buttons.indexOf(button);
			try {
				await api.del(entryPath(e));
				notify(`${e.address} removed from ${e.set}`);
			} catch (err) {
				notify(`${e.address}: ${err.message}`, "error");
			}
			await refresh();
			// The row is gone: keyboard focus goes to the next row's button.
			const next = results.querySelectorAll("td.actions button");
			(next[Math.min(at, next.length - 1)] || search).focus();
		};

		const entriesTable = (items, arrived) => table([
			{ label: "Address", class: "bl-addr", get: (e) => h("span", { class: "mono", text: e.address }) },
			{ label: "Set", get: (e) => e.set },
			{ label: "Origin", get: originBadge },
			{ label: "Reason", get: reasonCell },
			{ label: "Added", get: (e) => when(e.added) },
			{ label: "Expires", get: (e) => expiresCell(e, arrived) },
			{ label: "Actions", class: "actions", get: (e) => h("button", {
				type: "button",
				class: "small danger",
				text: "Remove",
				"aria-label": `Remove ${e.address} from ${e.set}`,
				onclick: (ev) => remove(e, ev.currentTarget),
			}) },
		], items, {
			class: "cards bl-table",
			label: "Block-list entries",
			empty: st.q || st.set ? "no entry matches" : "no entries",
			rowAttrs: (e) => ({ class: e.origin === "auto" ? "bl-auto" : e.set === NEVER_SET ? "bl-never" : null }),
		});

		const flush = async () => {
			const set = st.set;
			const n = st.sets[set];
			if (!set || !confirm(`Remove every entry${n !== undefined ? ` (${count(n)})` : ""} of set ${set}?`))
				return;
			try {
				const r = await api.del(`/blocklist/${seg(set)}`);
				notify(`${count(r.removed)} entries removed from ${set}`);
			} catch (err) {
				notify(`Flush ${set}: ${err.message}`, "error");
			}
			refresh();
		};

		// Searching as the operator types, a moment after the last key.
		let timer = null;
		const searchNow = () => {
			clearTimeout(timer);
			if (search.value.trim() === st.q)
				return;
			st.q = search.value.trim();
			st.offset = 0;
			refresh();
		};
		search.addEventListener("input", () => {
			clearTimeout(timer);
			timer = setTimeout(searchNow, SEARCH_DELAY_MS);
		});
		ctx.onLeave(() => clearTimeout(timer));
		setSel.addEventListener("change", () => {
			st.set = setSel.value;
			st.offset = 0;
			flushBtn.disabled = !st.set;
			refresh();
		});
		flushBtn.addEventListener("click", flush);

		const filters = h("form", { class: "form-row bl-filters", role: "search", onsubmit: (ev) => { ev.preventDefault(); searchNow(); } },
			wide(field("Search", null, search, "Address or prefix, or a part of it")),
			field("Set", null, setSel),
			h("div", { class: "actions" }, flushBtn));

		view.append(
			setList,
			panel("Add an entry", addForm(setList, () => refresh())),
			panel("Entries", h("div", {}, filters, summary, listError, results)));
		ctx.every(REFRESH_MS, refresh);
		ctx.every(TICK_MS, async () => tickAll(results));
	},
};
