// SPDX-License-Identifier: BSD-3-Clause
// Small DOM helpers shared by the pages. Text always goes in as text
// (textContent), never as markup: addresses, rule text and alert details come
// from the network. Styles only through classes (the CSP forbids inline ones).

/**
 * h("button", {class: "primary", onclick: f}, "Save"): an element.
 * Attributes: "class", "text", on* handlers, booleans (true sets, false
 * omits), everything else setAttribute. Children: nodes, strings, arrays,
 * null/false (skipped).
 */
export function h(tag, attrs, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === null || v === undefined || v === false)
			continue;
		if (k.startsWith("on") && typeof v === "function")
			e.addEventListener(k.slice(2), v);
		else if (k === "text")
			e.textContent = v;
		else if (k === "value")
			e.value = v;
		else
			e.setAttribute(k, v === true ? "" : String(v));
	}
	append(e, children);
	return e;
}

function append(parent, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(parent, c);
		else
			parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

/** Replace what @p parent holds. */
export function fill(parent, ...children) {
	parent.replaceChildren();
	append(parent, children);
	return parent;
}

let idSeq = 0;
/** A fresh element id (labels need them). */
export const uid = (prefix) => `${prefix || "f"}-${++idSeq}`;

/**
 * A labelled form field: <div class="field"><label>..</label><input>
 * <p class="field-error" role="alert"></p></div>. @p path is the API's JSON
 * path of the value ("$.rule"), so showErrors() can put the API's answer
 * next to it. @p input is an element or the attributes of an <input>.
 */
export function field(label, path, input, hint) {
	const id = uid("in");
	const control = input instanceof Node ? input : h("input", input || {});
	control.id = id;
	if (path)
		control.dataset.path = path;
	const err = h("p", { class: "field-error", id: id + "-err", "aria-live": "polite" });
	control.setAttribute("aria-describedby", err.id + (hint ? " " + id + "-hint" : ""));
	return h("div", { class: "field" },
		h("label", { for: id, text: label }),
		control,
		hint ? h("p", { class: "hint", id: id + "-hint", text: hint }) : null,
		err);
}

/** Clear the error marks of a form (or any container). */
export function clearErrors(form) {
	for (const e of form.querySelectorAll(".field-error"))
		e.textContent = "";
	for (const e of form.querySelectorAll("[aria-invalid]"))
		e.removeAttribute("aria-invalid");
	const g = form.querySelector(".form-error");
	if (g)
		g.textContent = "";
}

/**
 * Show an API error: next to the field whose data-path is the error's path
 * (or the nearest parent path), else in the form's .form-error line.
 */
export function showErrors(form, err) {
	clearErrors(form);
	let path = err.path || "";
	while (path) {
		const input = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
		if (input) {
			input.setAttribute("aria-invalid", "true");
			const msg = document.getElementById(input.id + "-err");
			if (msg)
				msg.textContent = err.message;
			input.focus();
			return;
		}
		const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
		path = cut > 1 ? path.slice(0, cut) : "";
	}
	let g = form.querySelector(".form-error");
	if (!g) {
		g = h("p", { class: "form-error", role: "alert" });
		form.append(g);
	}
	g.textContent = err.message + (err.path ? ` (${err.path})` : "");
}

/** A short message in the page's live region (screen readers hear it). */
export function notify(text, kind) {
	const box = document.getElementById("notice");
	if (!box)
		return;
	const item = h("p", { class: "notice " + (kind || "ok"), text });
	box.append(item);
	setTimeout(() => item.remove(), kind === "error" ? 8000 : 4000);
}

/** A table: @p columns [{label, get(row) -> node|string, class?}]. */
export function table(columns, rows, opts) {
	const o = opts || {};
	const head = h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.class, text: c.label })));
	const body = h("tbody", {});
	if (!rows.length)
		body.append(h("tr", {}, h("td", { colspan: columns.length, class: "empty", text: o.empty || "nothing yet" })));
	for (const r of rows)
		body.append(h("tr", o.rowAttrs ? o.rowAttrs(r) : {},
			columns.map((c) => h("td", { class: c.class, "data-label": c.label }, c.get(r)))));
	return h("div", { class: "table-wrap" },
		h("table", { class: o.class || "", "aria-label": o.label || null },
			o.caption ? h("caption", { text: o.caption }) : null,
			h("thead", {}, head), body));
}

/** Previous/next for {total, offset, limit} answers; @p go(offset). */
export function pager(page, go) {
	const { total, offset, limit } = page;
	const last = Math.max(0, total - 1);
	const from = total ? offset + 1 : 0;
	const to = Math.min(total, offset + limit);
	return h("nav", { class: "pager", "aria-label": "pages" },
		h("button", { type: "button", disabled: offset <= 0, onclick: () => go(Math.max(0, offset - limit)), text: "‹ Previous" }),
		h("span", { class: "pager-pos", text: `${from}–${to} of ${total}` }),
		h("button", { type: "button", disabled: offset + limit > last, onclick: () => go(offset + limit), text: "Next ›" }));
}

const UNITS = ["", "k", "M", "G", "T", "P"];
/** 1234567 -> "1.23 M"; @p unit appended ("bps", "pps", "B"). */
export function si(n, unit) {
	if (n === null || n === undefined || !isFinite(n))
		return "–";
	let i = 0;
	let v = Math.abs(n);
	while (v >= 1000 && i < UNITS.length - 1) {
		v /= 1000;
		i++;
	}
	const digits = v >= 100 || i === 0 ? 0 : v >= 10 ? 1 : 2;
	return `${n < 0 ? "-" : ""}${v.toFixed(digits)} ${UNITS[i]}${unit || ""}`.trim();
}

/** A count with thousands separators. */
export const count = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));

/** ISO time or unix seconds -> "2026-11-25 04:49:55" in local time. */
export function when(t) {
	if (t === null || t === undefined || t === "")
		return "–";
	const d = typeof t === "number" ? new Date(t * 1000) : new Date(t);
	if (isNaN(d))
		return String(t);
	const p = (x) => String(x).padStart(2, "0");
	return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** 3725 -> "1 h 2 min"; seconds left or passed. */
export function duration(s) {
	if (s === null || s === undefined)
		return "–";
	s = Math.max(0, Math.round(s));
	if (s < 60)
		return `${s} s`;
	if (s < 3600)
		return `${Math.floor(s / 60)} min ${s % 60} s`;
	if (s < 86400)
		return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
	return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** A level or state as a coloured badge (colour from the class). */
export const badge = (text, kind) => h("span", { class: `badge ${kind || String(text).replace(/[^a-z0-9-]/gi, "")}`, text });

/** A section with a heading; @p actions next to the heading. */
export function panel(title, body, actions) {
	const id = uid("h");
	return h("section", { class: "panel", "aria-labelledby": id },
		h("header", { class: "panel-head" }, h("h2", { id, text: title }), actions || null),
		body);
}

/** A plain IPv4 or IPv6 address, as the store keeps them (no prefixes). */
export function isAddress(s) {
	const octet = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
	if (new RegExp(`^${octet}(\\.${octet}){3}$`).test(s))
		return true;
	if (!s.includes(":") || /[[\]/%@\s]/.test(s))
		return false;
	try {
		new URL(`http://[${s}]/`); // the browser's own IPv6 parser
		return true;
	} catch {
		return false;
	}
}

/** "10.0.0.1:80", "[2001:db8::1]:443" or just the address. */
export function endpoint(ip, port) {
	if (!ip)
		return "–";
	if (port === undefined || port === null)
		return ip;
	return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}
