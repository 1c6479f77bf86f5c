// SPDX-License-Identifier: BSD-3-Clause
// The login page: POST /api/v1/login, then back to the page asked for.
import { login, whoami, ApiError } from "./api.js";

/**
 * Where to go after logging in: the page a lost session came from (?next=,
 * from the console) or the one the server sent here (it keeps the #hash).
 * Only a console route (#/...) is a place to go back to: never a URL.
 */
function next() {
	const n = new URLSearchParams(location.search).get("next") || location.hash;
	return "./" + (/^#\/[\w-]*(\?[\w=&%.:,-]*)?$/.test(n) ? n : "#/dashboard");
}

async function submit(ev) {
	ev.preventDefault();
	const form = ev.target;
	const error = document.getElementById("login-error");
	const button = form.querySelector("button");
	error.textContent = "";
	button.disabled = true;
	try {
		await login(form.user.value, form.password.value);
		location.replace(next());
	} catch (e) {
		const why = e instanceof ApiError && e.status === 401 ? "Wrong user or password."
			: e.status === 429 ? `Too many failed logins: ${e.message}`
			: e.message;
		error.textContent = why;
		form.password.select();
	} finally {
		button.disabled = false;
	}
}

document.getElementById("login").addEventListener("submit", submit);
// Already logged in (a second tab): straight on.
whoami().then((w) => w.user && location.replace(next()), () => {});
