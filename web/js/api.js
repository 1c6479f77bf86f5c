// SPDX-License-Identifier: BSD-3-Clause
// The console's only way to the appliance: /api/v1 with the session cookie,
// the session's CSRF token on every change, one error type for every failure.

const BASE = "/api/v1";
let csrf = null;

/** An answer other than 2xx: the API's {"error":{code,message,path}}. */
export class ApiError extends Error {
	constructor(status, code, message, path) {
		super(message);
		this.status = status;
		this.code = code;
		this.path = path || "";
	}
}

/** Query string from an object; empty and null values are left out. */
export function query(params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params || {}))
		if (v !== undefined && v !== null && v !== "")
			q.set(k, String(v));
	const s = q.toString();
	return s ? "?" + s : "";
}

/** Where the login page sends the operator back to after logging in. */
export function toLogin() {
	const next = encodeURIComponent(location.hash || "#/dashboard");
	location.replace("login.html?next=" + next);
}

async function request(method, path, body) {
	const init = { method, credentials: "same-origin", headers: {} };
	if (method !== "GET" && csrf)
		init.headers["X-CSRF-Token"] = csrf;
	if (body !== undefined) {
		init.headers["Content-Type"] = "application/json";
		init.body = JSON.stringify(body);
	}
	let r;
	try {
		r = await fetch(BASE + path, init);
	} catch (e) {
		throw new ApiError(0, "unreachable", "the appliance does not answer (" + e.message + ")");
	}
	if (r.status === 204) {
		await r.text(); // an unread body shows as an aborted request
		return null;
	}
	let data = null;
	const text = await r.text();
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (r.ok)
		return data;
	const e = (data && data.error) || {};
	if (r.status === 401 && !location.pathname.endsWith("/login.html"))
		toLogin();
	throw new ApiError(r.status, e.code || "http_" + r.status,
			   e.message || r.statusText || "request failed", e.path);
}

export const api = {
	get: (path, params) => request("GET", path + query(params)),
	post: (path, body) => request("POST", path, body),
	put: (path, body) => request("PUT", path, body),
	patch: (path, body) => request("PATCH", path, body),
	del: (path) => request("DELETE", path),
};

/**
 * Who is logged in on this browser: {user: NAME} or {user: null}. Public
 * (GET /api/v1/login), so asking is never a 401 in the browser's console.
 */
export const whoami = () => request("GET", "/login");

/** The session, or a trip to the login page. Keeps the CSRF token. */
export async function session() {
	const s = await request("GET", "/session");
	csrf = s.csrf;
	return s;
}

export async function login(user, password) {
	const s = await request("POST", "/login", { user, password });
	csrf = s.csrf;
	return s;
}

export async function logout() {
	try {
		await request("POST", "/logout");
	} finally {
		csrf = null;
	}
}

/** A path segment, escaped ("10.0.0.0/8" in a URL is two segments). */
export const seg = (s) => encodeURIComponent(String(s));
