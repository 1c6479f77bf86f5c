// SPDX-License-Identifier: BSD-3-Clause
// Security groups and the global rules: choose a rule list, read its rules
// with their hit counters, add, edit, reorder and delete rules, create and
// delete groups. The API decides what is valid; its errors appear next to
// the field they name, and a refused change leaves the table as it was.
import { api, seg } from "../api.js";
import { h, fill, field, showErrors, clearErrors, notify, table, pager, count, si, panel, uid } from "../ui.js";

const LIMIT = 100;
const GLOBAL = "*global"; // the chooser's value for the global rules: no group name has a '*'

/* Rules from the README, offered as starting points. */
const GROUP_EXAMPLES = [
	"tcp dport { 80, 443 } accept",
	"ip saddr 10.0.0.0/8 tcp dport 22 accept",
	"icmp type echo-request accept",
	"ip6 saddr 2001:db8::/32 udp dport 5000-5100 accept",
];
const globalExamples = (port) => [
	"tcp dport 23 reject",
	`iif ${port} ip saddr 203.0.113.0/24 counter log drop`,
	"ct state invalid accept",
];

const ICMP_TYPES = {
	icmp: ["echo-request", "echo-reply", "destination-unreachable", "time-exceeded",
		"parameter-problem", "redirect", "source-quench", "router-advertisement",
		"router-solicitation", "timestamp-request", "timestamp-reply"],
	icmpv6: ["echo-request", "echo-reply", "destination-unreachable", "packet-too-big",
		"time-exceeded", "parameter-problem", "nd-neighbor-solicit", "nd-neighbor-advert",
		"nd-router-solicit", "nd-router-advert", "nd-redirect", "mld-listener-query",
		"mld-listener-report", "mld-listener-done"],
};

export default {
	title: "Security groups",
	async mount(view, ctx) {
		const [groups, config] = await Promise.all([
			api.get("/security-groups", { limit: 1000 }), api.get("/config")]);
		const page = new GroupsPage(view, ctx, groups.items, config);
		page.start();
	},
};

class GroupsPage {
	constructor(view, ctx, groups, config) {
		this.view = view;
		this.ctx = ctx;
		this.groups = groups;
		this.bridges = (config.bridges || []).filter((b) => b.protected).map((b) => b.name);
		this.ports = (config.ports || []).map((p) => p.name);
		this.chosen = null; // group name, or null for the global rules
		this.offset = 0;
		this.page = null; // the last rules answer shown
		this.shape = ""; // handles, positions and texts of the rows on screen
		this.editing = null; // {item, cell, form} of the rule being edited
		this.seq = 0; // the latest rules request; older answers are dropped
		this.busy = false;
	}

	start() {
		this.view.classList.add("groups-page");
		this.view.append(
			h("div", { class: "grid groups-top" }, this.chooserPanel(), this.createPanel()),
			this.rulesPanel(),
			this.addPanel());
		this.choose(this.fromHash(), false);
		this.ctx.every(2000, () => this.loadRules());
	}

	/* ---- which rule list: the hash keeps it ---- */

	fromHash() {
		const p = this.ctx.params;
		if (p.has("global"))
			return null;
		const name = p.get("group");
		if (name && this.group(name))
			return name;
		if (name)
			notify(`There is no security group named "${name}".`, "error");
		return this.groups.length ? this.groups[0].name : null;
	}

	group(name) {
		return this.groups.find((g) => g.name === name) || null;
	}

	/* Where the rules of the chosen list live in the API. */
	base() {
		return this.chosen === null ? "/rules" : `/security-groups/${seg(this.chosen)}/rules`;
	}

	choose(name, load = true) {
		this.chosen = name;
		this.offset = 0;
		this.page = null;
		this.editing = null;
		this.shape = "";
		// replaceState: no hashchange, so the page is not mounted again.
		const q = name === null ? "global=1" : "group=" + encodeURIComponent(name);
		history.replaceState(null, "", "#/groups?" + q);
		this.select.value = name === null ? GLOBAL : name;
		fill(this.rulesBox, h("p", { class: "loading", text: "Loading…" }));
		clearErrors(this.addForm);
		this.showInfo();
		this.setBuilderMode();
		if (load)
			this.loadRules();
	}

	/* ---- the chooser and the group's facts ---- */

	chooserPanel() {
		this.select = h("select", { name: "group", onchange: () => this.choose(this.select.value === GLOBAL ? null : this.select.value) });
		this.fillChooser();
		this.deleteGroupButton = h("button", { type: "button", class: "danger", onclick: () => this.deleteGroup(), text: "Delete group" });
		this.info = h("dl", { class: "group-info" });
		this.about = h("p", { class: "hint about" });
		return panel("Rule list", h("div", {},
			h("div", { class: "form-row chooser" }, field("Security group", null, this.select),
				h("div", { class: "actions" }, this.deleteGroupButton)),
			this.info, this.about));
	}

	fillChooser() {
		fill(this.select,
			h("option", { value: GLOBAL, text: "Global rules" }),
			this.groups.map((g) => h("option", { value: g.name, text: g.name })));
		this.select.value = this.chosen === null ? GLOBAL : this.chosen;
	}

	showInfo() {
		const g = this.group(this.chosen);
		const total = this.page ? count(this.page.total) : (g ? count(g.rules) : "–");
		this.deleteGroupButton.hidden = !g;
		if (!g) {
			fill(this.info, fact("Applies to", "every bridge"), fact("Rules", total));
			this.about.textContent = "Evaluated first, before the security groups, for new connections on every bridge; first match wins. Accept, drop or reject.";
			return;
		}
		fill(this.info, fact("Bridge", g.bridge), fact("Protected port", g.protected_port), fact("Rules", total));
		this.about.textContent = `Allow rules for new connections entering ${g.protected_port} (bridge ${g.bridge}); first match wins, and what no rule allows is dropped.`;
	}

	async reloadGroups() {
		try {
			this.groups = (await api.get("/security-groups", { limit: 1000 })).items;
		} catch (e) {
			if (e.status !== 401)
				notify(`The security groups could not be read: ${e.message}`, "error");
		}
		this.fillChooser();
	}

	createPanel() {
		const name = h("input", { type: "text", name: "name", autocomplete: "off", spellcheck: "false", maxlength: 31, placeholder: "web-servers" });
		const bridge = h("select", { name: "bridge" }, this.bridges.map((b) => h("option", { value: b, text: b })));
		const form = h("form", { class: "create-group", novalidate: true },
			h("div", { class: "form-row" },
				field("Name", "$.name", name, "letters, digits, '_', '.' and '-'"),
				field("Bridge", "$.bridge", bridge, this.bridges.length ? "a bridge with a protected side" : "no bridge has a protected side"),
				h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Create group" }))),
			h("p", { class: "form-error", role: "alert" }));
		form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			this.createGroup(form, name.value.trim(), bridge.value);
		});
		return panel("New security group", form);
	}

	async createGroup(form, name, bridge) {
		clearErrors(form);
		let g;
		try {
			g = await api.post("/security-groups", { name, bridge });
		} catch (e) {
			return showErrors(form, e);
		}
		form.reset();
		notify(`Security group ${g.name} created on bridge ${g.bridge}.`);
		await this.reloadGroups();
		this.choose(g.name);
		this.select.focus();
	}

	async deleteGroup() {
		const g = this.group(this.chosen);
		if (!g)
			return;
		const n = this.page ? this.page.total : g.rules;
		if (!confirm(`Delete security group "${g.name}" and its ${n} rule${n === 1 ? "" : "s"}? What they allow into ${g.protected_port} will be dropped.`))
			return;
		try {
			await api.del(`/security-groups/${seg(g.name)}`);
		} catch (e) {
			return notify(`Security group ${g.name} was not deleted: ${e.message}`, "error");
		}
		notify(`Security group ${g.name} deleted.`);
		await this.reloadGroups();
		this.choose(this.groups.length ? this.groups[0].name : null);
		this.select.focus();
	}

	/* ---- the rules table ---- */

	rulesPanel() {
		this.rulesBox = h("div", { class: "rules-box" });
		this.rulesStatus = h("p", { class: "form-error", role: "alert" });
		this.rulesSection = panel("Rules", h("div", {}, this.rulesStatus, this.rulesBox));
		this.rulesHeading = this.rulesSection.querySelector("h2");
		this.rulesHeading.tabIndex = -1;
		return this.rulesSection;
	}

	/*
	 * Read the chosen list's rules and show them (the 2 s refresh too).
	 * @p opts.force: redraw even during an edit (after a change of ours);
	 * @p opts.focus: aria-labels of the buttons to focus afterwards, in order
	 * of preference (else the rules heading).
	 */
	async loadRules(opts = {}) {
		const seq = ++this.seq;
		const chosen = this.chosen;
		let page;
		try {
			page = await api.get(this.base(), { offset: this.offset, limit: LIMIT });
		} catch (e) {
			if (seq === this.seq && chosen === this.chosen && this.ctx.alive())
				await this.loadFailed(e);
			return;
		}
		if (seq !== this.seq || chosen !== this.chosen || !this.ctx.alive())
			return; // a newer request or another list took over
		this.rulesStatus.textContent = "";
		if (page.total && page.offset >= page.total) {
			this.offset = Math.floor((page.total - 1) / LIMIT) * LIMIT;
			return this.loadRules(opts);
		}
		this.show(page, opts);
	}

	/* The group went away (another operator), or the appliance did not answer. */
	async loadFailed(e) {
		if (e.status === 401)
			return; // on the way to the login page
		if (e.status === 404 && this.chosen !== null) {
			notify(`Security group ${this.chosen} no longer exists.`, "error");
			await this.reloadGroups();
			return this.choose(this.groups.length ? this.groups[0].name : null);
		}
		this.rulesStatus.textContent = `The rules could not be read: ${e.message}`;
	}

	show(page, opts = {}) {
		this.page = page;
		this.showInfo();
		const shape = page.items.map((r) => `${r.handle}:${r.position}:${r.text}`).join("\n") + `\n${page.total}`;
		// Same rows, or an edit in progress: only the counters change, so
		// the operator's typing, focus and scroll stay where they are.
		if (shape === this.shape || (this.editing && !opts.force))
			return this.updateCounters(page);
		this.rebuild(page, shape, opts.focus);
	}

	rebuild(page, shape, focus) {
		const active = document.activeElement;
		const keep = this.rulesBox.contains(active) ? active.getAttribute("aria-label") : null;
		this.editing = null;
		this.shape = shape;
		const columns = [
			{ label: "Position", class: "num position", get: (r) => String(r.position) },
			{ label: "Handle", class: "num handle", get: (r) => String(r.handle) },
			{ label: "Rule", class: "rule", get: (r) => h("code", { class: "rule-text", text: r.text }) },
			{ label: "Packets", class: "num packets", get: (r) => count(r.packets) },
			{ label: "Bytes", class: "num bytes", get: (r) => bytes(r.bytes) },
			{ label: "Actions", class: "actions", get: (r) => this.rowActions(r, page.total) },
		];
		const name = this.chosen === null ? "Global rules" : `Rules of ${this.chosen}`;
		fill(this.rulesBox,
			table(columns, page.items, {
				class: "cards rules", label: name,
				empty: "No rules yet: add one below.",
				rowAttrs: (r) => ({ "data-handle": r.handle }),
			}),
			page.total > page.limit ? pager(page, (o) => this.goTo(o)) : null);
		this.rulesHeading.textContent = name;
		for (const tr of this.rulesBox.querySelectorAll("tbody tr[data-handle]"))
			tr._counters = { packets: tr.querySelector("td.packets"), bytes: tr.querySelector("td.bytes") };
		this.restoreFocus([...(focus || []), keep].filter(Boolean), Boolean(focus));
	}

	updateCounters(page) {
		for (const r of page.items) {
			const tr = this.row(r.handle);
			if (!tr || !tr._counters)
				continue;
			setCounter(tr._counters.packets, count(r.packets));
			setCounter(tr._counters.bytes, bytes(r.bytes));
		}
	}

	row(handle) {
		return this.rulesBox.querySelector(`tr[data-handle="${handle}"]`);
	}

	restoreFocus(labels, orHeading) {
		for (const l of labels) {
			const b = this.rulesBox.querySelector(`[aria-label="${CSS.escape(l)}"]`);
			if (b && !b.disabled)
				return b.focus();
		}
		if (orHeading)
			this.rulesHeading.focus();
	}

	goTo(offset) {
		this.offset = offset;
		this.shape = "";
		this.loadRules();
	}

	rowActions(r, total) {
		const H = r.handle;
		return [
			h("button", { type: "button", class: "small", "aria-label": `Edit rule ${H}`, onclick: () => this.startEdit(r), text: "Edit" }),
			h("button", { type: "button", class: "small", "aria-label": `Move rule ${H} up`, title: "Move up", disabled: r.position === 0, onclick: () => this.move(r, -1), text: "↑" }),
			h("button", { type: "button", class: "small", "aria-label": `Move rule ${H} down`, title: "Move down", disabled: r.position >= total - 1, onclick: () => this.move(r, 1), text: "↓" }),
			h("button", { type: "button", class: "small danger", "aria-label": `Delete rule ${H}`, onclick: () => this.deleteRule(r), text: "Delete" }),
		];
	}

	/* Run one change at a time; a second click while one is on its way does nothing. */
	async change(fn) {
		if (this.busy)
			return;
		this.busy = true;
		try {
			await fn();
		} finally {
			this.busy = false;
		}
	}

	move(r, delta) {
		return this.change(async () => {
			const position = r.position + delta;
			try {
				await api.patch(`${this.base()}/${r.handle}`, { position });
			} catch (e) {
				notify(`Rule ${r.handle} was not moved: ${e.message}`, "error");
				return this.loadRules();
			}
			notify(`Rule ${r.handle} moved to position ${position}.`);
			this.offset = Math.floor(position / LIMIT) * LIMIT;
			const dir = delta < 0 ? "up" : "down";
			await this.loadRules({ force: true, focus: [`Move rule ${r.handle} ${dir}`, `Move rule ${r.handle} ${dir === "up" ? "down" : "up"}`] });
		});
	}

	deleteRule(r) {
		if (!confirm(`Delete rule ${r.handle}?\n\n${r.text}`))
			return;
		return this.change(async () => {
			const next = this.row(r.handle)?.nextElementSibling?.dataset.handle;
			try {
				await api.del(`${this.base()}/${r.handle}`);
			} catch (e) {
				notify(`Rule ${r.handle} was not deleted: ${e.message}`, "error");
				return this.loadRules();
			}
			notify(`Rule ${r.handle} deleted: ${r.text}`);
			await this.loadRules({ force: true, focus: next ? [`Delete rule ${next}`] : [] });
		});
	}

	/* ---- inline edit ---- */

	startEdit(r) {
		if (this.editing)
			this.cancelEdit(false);
		const cell = this.row(r.handle)?.querySelector("td.rule");
		if (!cell)
			return;
		const input = h("input", { type: "text", class: "mono", value: r.text, autocomplete: "off", spellcheck: "false" });
		const form = h("form", { class: "rule-edit", novalidate: true },
			field("Rule text", "$.rule", input),
			h("div", { class: "actions" },
				h("button", { type: "submit", class: "primary small", text: "Save" }),
				h("button", { type: "button", class: "small", onclick: () => this.cancelEdit(true), text: "Cancel" })),
			h("p", { class: "form-error", role: "alert" }));
		form.addEventListener("submit", (ev) => {
			ev.preventDefault();
			this.saveEdit(input.value.trim());
		});
		form.addEventListener("keydown", (ev) => {
			if (ev.key === "Escape") {
				ev.preventDefault();
				this.cancelEdit(true);
			}
		});
		this.editing = { item: r, cell, form };
		fill(cell, form);
		input.focus();
		input.select();
	}

	cancelEdit(refocus) {
		const ed = this.editing;
		if (!ed)
			return;
		this.editing = null;
		fill(ed.cell, h("code", { class: "rule-text", text: ed.item.text }));
		if (refocus)
			this.row(ed.item.handle)?.querySelector(`[aria-label="Edit rule ${ed.item.handle}"]`)?.focus();
		if (this.page)
			this.show(this.page); // rows that changed meanwhile
	}

	saveEdit(text) {
		const ed = this.editing;
		if (!ed)
			return;
		if (text === ed.item.text)
			return this.cancelEdit(true);
		return this.change(async () => {
			let r;
			try {
				r = await api.patch(`${this.base()}/${ed.item.handle}`, { rule: text });
			} catch (e) {
				return showErrors(ed.form, e);
			}
			notify(`Rule ${r.handle} changed: ${r.text}`);
			this.editing = null;
			this.shape = "";
			await this.loadRules({ force: true, focus: [`Edit rule ${r.handle}`] });
		});
	}

	/* ---- adding a rule: the Rule field, a builder that fills it, examples ---- */

	addPanel() {
		this.ruleInput = h("input", { type: "text", name: "rule", class: "mono", autocomplete: "off", spellcheck: "false", placeholder: "e.g. ip saddr 10.0.0.0/8 tcp dport 22 accept" });
		this.positionInput = h("input", { type: "number", name: "position", min: 0, step: 1, inputmode: "numeric" });
		const ruleField = field("Rule", "$.rule", this.ruleInput, "What is sent. Type it, or let the builder above write it.");
		ruleField.classList.add("wide");
		this.examples = h("ul", { class: "examples", "aria-label": "Examples" });
		this.addForm = h("form", { class: "add-rule", novalidate: true },
			this.builder(),
			h("div", { class: "form-row" },
				ruleField,
				field("Position", "$.position", this.positionInput, "empty: at the end; 0: first"),
				h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", text: "Add rule" }))),
			h("p", { class: "form-error", role: "alert" }),
			h("div", { class: "examples-row" }, h("span", { class: "muted", text: "Examples:" }), this.examples));
		this.addForm.addEventListener("submit", (ev) => {
			ev.preventDefault();
			this.addRule();
		});
		return panel("Add a rule", this.addForm);
	}

	addRule() {
		const form = this.addForm;
		const body = { rule: this.ruleInput.value.trim() };
		const pos = this.positionInput.value.trim();
		if (pos !== "")
			body.position = Number(pos);
		clearErrors(form);
		return this.change(async () => {
			let r;
			try {
				r = await api.post(this.base(), body);
			} catch (e) {
				return showErrors(form, e);
			}
			this.ruleInput.value = "";
			this.positionInput.value = "";
			const where = this.chosen === null ? "the global rules" : `group ${this.chosen}`;
			notify(`Rule ${r.handle} added to ${where} at position ${r.position}: ${r.text}`);
			this.offset = Math.floor(r.position / LIMIT) * LIMIT;
			this.shape = "";
			await this.loadRules({ force: true });
			this.row(r.handle)?.classList.add("fresh");
			this.ruleInput.focus();
		});
	}

	builder() {
		const b = {
			action: h("select", { name: "b-action" }, ["accept", "drop", "reject"].map((a) => h("option", { value: a, text: a }))),
			proto: h("select", { name: "b-proto" },
				h("option", { value: "", text: "any" }),
				["tcp", "udp", "icmp", "icmpv6"].map((p) => h("option", { value: p, text: p }))),
			ports: h("input", { type: "text", name: "b-ports", autocomplete: "off", placeholder: "22, 8000-8080" }),
			icmp: h("select", { name: "b-icmp" }),
			source: h("input", { type: "text", name: "b-source", autocomplete: "off", spellcheck: "false", placeholder: "10.0.0.0/8" }),
			iif: h("select", { name: "b-iif" },
				h("option", { value: "", text: "any" }),
				this.ports.map((p) => h("option", { value: p, text: p }))),
			log: h("input", { type: "checkbox", name: "b-log" }),
		};
		this.b = b;
		const logId = uid("in");
		b.log.id = logId;
		this.f = {
			action: field("Action", null, b.action),
			ports: field("Destination ports", null, b.ports, "22, 8000-8080 or 80, 443"),
			icmp: field("ICMP type", null, b.icmp),
			iif: field("Input port", null, b.iif),
		};
		this.builderNote = h("p", { class: "hint builder-note", "aria-live": "polite" });
		const box = h("fieldset", { class: "builder" },
			h("legend", { text: "Rule builder" }),
			h("div", { class: "form-row" },
				this.f.action,
				field("Protocol", null, b.proto),
				this.f.ports,
				this.f.icmp,
				field("Source", null, b.source, "address or CIDR; several: comma-separated"),
				this.f.iif,
				h("div", { class: "field check" }, b.log, h("label", { for: logId, text: "Log each hit" }))),
			this.builderNote);
		box.addEventListener("input", () => this.compose());
		box.addEventListener("change", () => this.compose());
		this.showProtoFields();
		return box;
	}

	/* Groups hold allow rules only and take no input port (it is implied). */
	setBuilderMode() {
		const isGroup = this.chosen !== null;
		for (const o of this.b.action.options)
			o.disabled = isGroup && o.value !== "accept";
		if (isGroup)
			this.b.action.value = "accept";
		this.f.action.querySelector(".hint")?.remove();
		if (isGroup)
			this.f.action.insertBefore(h("p", { class: "hint", text: "groups allow only; drop and reject go in Global rules" }), this.f.action.querySelector(".field-error"));
		this.f.iif.hidden = isGroup;
		if (isGroup)
			this.b.iif.value = "";
		const examples = isGroup ? GROUP_EXAMPLES : globalExamples(this.ports[0] || "outside");
		fill(this.examples, examples.map((text) => h("li", {},
			h("button", { type: "button", class: "small example", onclick: () => this.useExample(text), text }))));
	}

	useExample(text) {
		this.ruleInput.value = text;
		clearErrors(this.addForm);
		this.ruleInput.focus();
	}

	showProtoFields() {
		const p = this.b.proto.value;
		this.f.ports.hidden = p !== "tcp" && p !== "udp";
		this.f.icmp.hidden = p !== "icmp" && p !== "icmpv6";
		if (ICMP_TYPES[p] && this.b.icmp.dataset.family !== p) {
			fill(this.b.icmp, h("option", { value: "", text: "any" }),
				ICMP_TYPES[p].map((t) => h("option", { value: t, text: t })));
			this.b.icmp.dataset.family = p;
		}
	}

	/* Write the builder's choices into the Rule field, in the grammar's order. */
	compose() {
		this.showProtoFields();
		const b = this.b;
		const parts = [];
		const notes = [];
		if (b.iif.value && this.chosen === null)
			parts.push(`iif ${b.iif.value}`);
		const sources = list(b.source.value);
		if (sources.length) {
			const v6 = sources.filter((s) => s.includes(":")).length;
			if (v6 && v6 < sources.length)
				notes.push("A rule is IPv4 or IPv6: put IPv4 and IPv6 sources in separate rules.");
			parts.push(`${v6 ? "ip6" : "ip"} saddr ${set(sources)}`);
		}
		parts.push(...this.protoClause(notes));
		if (b.log.checked)
			parts.push("log");
		parts.push(b.action.value);
		this.ruleInput.value = parts.join(" ");
		this.builderNote.textContent = notes.join(" ");
		const err = document.getElementById(this.ruleInput.id + "-err");
		if (err && err.textContent) // the message was about the text just replaced
			clearErrors(this.addForm);
	}

	protoClause(notes) {
		const p = this.b.proto.value;
		if (!p)
			return [];
		if (p === "tcp" || p === "udp") {
			const ports = list(this.b.ports.value);
			if (ports.length > 16)
				notes.push("A set holds at most 16 ports or ranges.");
			return [ports.length ? `${p} dport ${set(ports)}` : `meta l4proto ${p}`];
		}
		const type = this.b.icmp.value;
		return [type ? `${p} type ${type}` : `meta l4proto ${p}`];
	}
}

/* ---- small helpers ---- */

function fact(term, value) {
	return h("div", {}, h("dt", { text: term }), h("dd", { text: value }));
}

function bytes(n) {
	return h("span", { title: `${count(n)} bytes`, text: si(n, "B") });
}

/* Change a counter cell only when its value moved, and mark the change. */
function setCounter(td, content) {
	const text = typeof content === "string" ? content : content.textContent;
	if (td.textContent === text)
		return;
	fill(td, content);
	td.classList.remove("hit");
	void td.offsetWidth; // restart the highlight
	td.classList.add("hit");
}

/* "22, 443 8000-8080" -> ["22", "443", "8000-8080"] */
function list(text) {
	return text.split(/[\s,]+/).filter(Boolean);
}

/* One value as is, several as the grammar's set: { a, b }. */
function set(values) {
	return values.length > 1 ? `{ ${values.join(", ")} }` : values[0];
}
