// SPDX-License-Identifier: BSD-3-Clause
// The console's shell: check the session (else the login page), then show
// the page the hash names (#/dashboard, #/groups, ...). A page is a module
// whose default export is {title, mount(view, ctx)}; everything it starts
// with ctx.every() stops when the operator leaves it.
import { session, logout, toLogin, whoami } from "./api.js";
import { h, fill, notify } from "./ui.js";
import dashboard from "./pages/dashboard.js";
import groups from "./pages/groups.js";
import blocklist from "./pages/blocklist.js";
import protection from "./pages/protection.js";
import alerts from "./pages/alerts.js";
import flows from "./pages/flows.js";

const PAGES = { dashboard, groups, blocklist, protection, alerts, flows };

let current = null; // {stop: [fn...]} of the page on screen

function leave() {
	if (!current)
		return;
	for (const f of current.stop)
		f();
	current = null;
}

/**
 * Call @p fn now and then every @p ms while the page is shown, never two at
 * once (a slow answer delays the next call instead of piling up), and not
 * while the browser tab is hidden.
 */
function every(page, ms, fn) {
	let timer = null;
	let stopped = false;
	const run = async () => {
		if (stopped)
			return;
		if (!document.hidden) {
			try {
				await fn();
			} catch (e) {
				if (e.status !== 401)
					console.warn(e.message);
			}
		}
		if (!stopped)
			timer = setTimeout(run, ms);
	};
	page.stop.push(() => {
		stopped = true;
		clearTimeout(timer);
	});
	run();
}

function route() {
	const hash = location.hash.replace(/^#\/?/, "");
	const [name, qs] = hash.split("?");
	return { name: PAGES[name] ? name : "dashboard", params: new URLSearchParams(qs || "") };
}

async function show(user) {
	const { name, params } = route();
	const page = PAGES[name];
	leave();
	const me = { stop: [] };
	current = me;
	for (const a of document.querySelectorAll("#nav a"))
		a.toggleAttribute("aria-current", a.dataset.page === name);
	if (a11yNavToggle())
		a11yNavToggle().setAttribute("aria-expanded", "false");
	document.body.classList.remove("nav-open");
	document.title = `${page.title} · wirewall`;
	const view = fill(document.getElementById("view"));
	view.append(h("h1", { class: "page-title", text: page.title }));
	const ctx = {
		user,
		params,
		every: (ms, fn) => every(me, ms, fn),
		onLeave: (fn) => me.stop.push(fn),
		alive: () => current === me,
	};
	try {
		await page.mount(view, ctx);
	} catch (e) {
		if (e.status !== 401) {
			view.append(h("p", { class: "form-error", role: "alert", text: `This page could not load: ${e.message}` }));
			console.warn(e);
		}
	}
	view.focus({ preventScroll: true });
}

const a11yNavToggle = () => document.getElementById("nav-toggle");

async function start() {
	let s;
	try {
		if (!(await whoami()).user)
			return toLogin();
		s = await session();
	} catch (e) {
		if (e.status !== 401)
			document.getElementById("view").textContent = `The appliance does not answer: ${e.message}`;
		return; // 401: on the way to the login page
	}
	document.getElementById("who").textContent = s.user;
	document.getElementById("logout").addEventListener("click", async () => {
		try {
			await logout();
		} catch (e) {
			notify(`Logout: ${e.message}`, "error");
		}
		location.replace("login.html");
	});
	a11yNavToggle().addEventListener("click", () => {
		const open = document.body.classList.toggle("nav-open");
		a11yNavToggle().setAttribute("aria-expanded", String(open));
	});
	document.body.classList.add("ready");
	window.addEventListener("hashchange", () => show(s.user));
	if (!location.hash)
		history.replaceState(null, "", "#/dashboard");
	show(s.user);
}

// A page that loses its session (expired, logged out elsewhere) goes to
// the login page through api.js; one that was never logged in as well.
if (document.readyState === "loading")
	document.addEventListener("DOMContentLoaded", start);
else
	start();

export { toLogin };
