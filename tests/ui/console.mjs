// SPDX-License-Identifier: BSD-3-Clause
//
// The web console, driven in Debian's chromium through playwright-core, with
// real traffic in the lab proving what the operator did (run by
// test_console.sh, which starts the lab and wirewall and sets):
//   WW_URL       the console, http://127.0.0.1:PORT/
//   WW_PASSWORD  admin's generated password
//   WW_LAB       the lab's name (tools/lab --hosts): hosts LAB-outside
//                10.10.0.1, LAB-outside2 10.10.0.3, LAB-inside 10.10.0.2
//   WW_SHOTS     where the screenshots go
//   WW_TMP       a scratch directory
//
// Every step logs PASS or FAIL; the first failure ends the run (exit 1) with
// a screenshot of the page as it was. Throughout, the browser's console must
// stay free of errors and warnings (except the 4xx of a refusal the test
// provokes on purpose), every control must have a label, and no page may be
// wider than a phone's screen.

import { chromium } from "playwright-core";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const URL_ = process.env.WW_URL;
const PASSWORD = process.env.WW_PASSWORD;
const LAB = process.env.WW_LAB;
const SHOTS = process.env.WW_SHOTS;
const TMP = process.env.WW_TMP;
const NS_OUT = `${LAB}-outside`;
const NS_OUT2 = `${LAB}-outside2`;
const NS_IN = `${LAB}-inside`;
const OUT_V4 = "10.10.0.1";
const OUT2_V4 = "10.10.0.3";
const IN_V4 = "10.10.0.2";
const RULE = "tcp dport 5000 accept";

const PAGES = [
	["dashboard", "Dashboard"],
	["groups", "Security groups"],
	["blocklist", "Block lists"],
	["protection", "Protection"],
	["alerts", "Alerts"],
	["flows", "Flows"],
];

const T0 = Date.now();
const log = (s) => console.log(`[${String(Math.round((Date.now() - T0) / 1000)).padStart(3)}s] ${s}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- traffic

function run(argv, timeoutS) {
	const r = spawnSync(argv[0], argv.slice(1), { timeout: (timeoutS || 10) * 1000, stdio: ["ignore", "pipe", "pipe"] });
	return { ok: r.status === 0, out: String(r.stdout || "") + String(r.stderr || "") };
}

const inNs = (ns, ...argv) => ["ip", "netns", "exec", ns, ...argv];

function pingOk(ns, dst) {
	const r = run(inNs(ns, "ping", "-n", "-c", "5", "-i", "0.2", "-W", "1", dst), 12);
	const got = Number((/(\d+) received/.exec(r.out) || [0, 0])[1]);
	log(`  ping ${ns} -> ${dst}: ${got}/5 replies`);
	return got >= 4;
}

const pingFails = (ns, dst) => !run(inNs(ns, "ping", "-n", "-c", "2", "-i", "0.5", "-W", "1", dst), 10).ok;

async function listening(port) {
	for (let i = 0; i < 50; i++) {
		if (run(inNs(NS_IN, "ss", "-Hltn", `sport = :${port}`)).out.trim())
			return true;
		await sleep(100);
	}
	return false;
}

/** 200 kB outside -> inside:5000 arrive whole. */
async function tcpPasses() {
	const src = join(TMP, "src.bin");
	const dst = join(TMP, "in.bin");
	writeFileSync(src, randomBytes(200000));
	writeFileSync(dst, "");
	const listener = spawn("timeout", ["15", ...inNs(NS_IN, "sh", "-c", `exec nc -l 5000 >${dst}`)], { stdio: "ignore" });
	const done = new Promise((r) => listener.on("exit", r));
	if (!(await listening(5000)))
		throw new Error("nc did not listen on inside:5000");
	run(inNs(NS_OUT, "sh", "-c", `nc -N -w 3 ${IN_V4} 5000 <${src}`), 10);
	await Promise.race([done, sleep(5000)]);
	listener.kill();
	return Buffer.compare(readFileSync(src), readFileSync(dst)) === 0;
}

const tcpBlocked = () => !run(inNs(NS_OUT, "nc", "-z", "-w", "3", IN_V4, "5000"), 8).ok;

// ---------------------------------------------------------------- browser

const problems = [];
let refusalExpected = false; // a 4xx the test provokes on purpose

function watch(page, where) {
	page.on("console", (m) => {
		if (m.type() !== "error" && m.type() !== "warning")
			return;
		if (refusalExpected && /status of 4\d\d/.test(m.text()))
			return;
		problems.push(`${where()}: console ${m.type()}: ${m.text()}`);
	});
	page.on("pageerror", (e) => problems.push(`${where()}: uncaught: ${e.message}`));
	page.on("requestfailed", (r) => {
		// a download link the browser hands over, or a poll cut short by
		// leaving the page, is no failure
		if (!/ERR_ABORTED/.test(r.failure()?.errorText || ""))
			problems.push(`${where()}: request failed: ${r.url()} ${r.failure()?.errorText}`);
	});
}

let shotN = 0;
async function shot(page, name) {
	const file = join(SHOTS, `${String(++shotN).padStart(2, "0")}-${name}.png`);
	await page.screenshot({ path: file, fullPage: true });
	return file;
}

/** Wait for @p fn (async, returns truthy) for up to @p ms. */
async function until(what, fn, ms) {
	const end = Date.now() + (ms || 10000);
	let last;
	while (Date.now() < end) {
		try {
			last = await fn();
			if (last)
				return last;
		} catch (e) {
			last = e;
		}
		await sleep(250);
	}
	throw new Error(`timed out waiting for ${what}${last instanceof Error ? ": " + last.message : ""}`);
}

async function open(page, name) {
	await page.goto(`${URL_}#/${name}`);
	await page.locator("main#view h1.page-title").waitFor();
	await page.locator("main#view .panel").first().waitFor();
	await sleep(1500); // a refresh or two: charts drawn, tables filled
}

/** Controls without a label, buttons without a name, a page wider than the screen. */
async function auditPage(page) {
	return page.evaluate(() => {
		const bad = [];
		const name = (e) => (e.getAttribute("aria-label") || e.getAttribute("aria-labelledby") ||
			(e.labels && e.labels.length && e.labels[0].textContent.trim()) || "");
		for (const e of document.querySelectorAll("input, select, textarea"))
			if (e.type !== "hidden" && !name(e))
				bad.push(`unlabelled ${e.tagName.toLowerCase()}${e.name ? " " + e.name : ""}`);
		for (const b of document.querySelectorAll("button, a[href]"))
			if (!(b.textContent.trim() || b.getAttribute("aria-label") || b.getAttribute("title")))
				bad.push(`nameless ${b.tagName.toLowerCase()} ${b.outerHTML.slice(0, 80)}`);
		if (document.documentElement.scrollWidth > window.innerWidth + 1)
			bad.push(`page ${document.documentElement.scrollWidth}px wide on a ${window.innerWidth}px screen`);
		return bad;
	});
}

// ---------------------------------------------------------------- steps

let failed = false;
let current = null;

async function step(name, fn) {
	if (failed)
		return;
	try {
		await fn();
		log(`PASS: ${name}`);
	} catch (e) {
		failed = true;
		log(`FAIL: ${name}: ${e.message}`);
		if (current)
			log(`  page as it was: ${await shot(current, "failure").catch(() => "(no screenshot)")}`);
	}
}

/** Log in on the login page the browser is on; it lands on @p route. */
async function login(page, route, title) {
	await page.getByLabel("User").fill("admin");
	await page.getByLabel("Password").fill(PASSWORD);
	await page.getByRole("button", { name: "Log in" }).click();
	await page.waitForURL(new RegExp(`#/${route}$`));
	await page.locator("main#view h1.page-title", { hasText: title }).waitFor();
}

/** The row of the rules table that shows @p text. */
const ruleRow = (page, text) =>
	page.locator("main table tbody tr", { has: page.getByText(text, { exact: true }) });

const cellNumber = async (row, label) =>
	Number((await row.locator(`td[data-label="${label}"]`).first().textContent()).replace(/[^0-9.]/g, ""));

async function addRuleThroughConsole(page) {
	await page.goto(`${URL_}#/groups?group=web`);
	const rule = page.getByLabel("Rule", { exact: true });
	await rule.waitFor();
	const before = await page.locator("main table tbody tr").count();

	// a bad rule: the API's error appears next to the field, nothing changes
	refusalExpected = true;
	await rule.fill("tcp dport 99999 accept");
	await page.getByRole("button", { name: "Add rule" }).click();
	const errId = `${await rule.getAttribute("id")}-err`;
	const msg = await until("the error next to the Rule field",
		async () => (await page.locator(`#${errId}`).textContent()).trim());
	refusalExpected = false;
	log(`  next to the field: "${msg}"`);
	assert.equal(await rule.getAttribute("aria-invalid"), "true");
	assert.equal(await page.locator("main table tbody tr").count(), before, "a refused rule changed the table");

	await rule.fill(RULE);
	await page.getByRole("button", { name: "Add rule" }).click();
	await ruleRow(page, RULE).waitFor({ timeout: 10000 });
	await shot(page, "groups-rule-added");
}

async function seeScanAlert(page) {
	const r = run(inNs(NS_OUT2, "nmap", "-n", "-Pn", "-sS", "-T4", "--max-retries", "1",
		"--initial-rtt-timeout", "50ms", "--max-rtt-timeout", "200ms", "-p", "1-60", IN_V4), 60);
	log(`  nmap -sS -p 1-60 from ${OUT2_V4}: ${r.ok ? "done" : "exit non-zero"}`);
	await page.goto(`${URL_}#/alerts`);
	const row = page.locator("main table tbody tr", { hasText: "port-scan" });
	await row.first().waitFor({ timeout: 20000 });
	assert.match(await row.first().textContent(), new RegExp(OUT2_V4.replace(/\./g, "\\.")));
	// the category filter keeps scan alerts only
	await page.getByLabel("Category").selectOption("scan");
	await page.getByRole("button", { name: "Apply" }).click();
	await page.waitForURL(/category=scan/);
	await until("only scan alerts", async () => {
		const cats = await page.locator('main table tbody td[data-label="Category"]').allTextContents();
		return cats.length > 0 && cats.every((c) => c.trim() === "scan");
	});
	await shot(page, "alerts-after-scan");
	// the export carries the filter: a CSV of scan alerts, the scanner in it
	const [download] = await Promise.all([
		page.waitForEvent("download"),
		page.getByRole("link", { name: "Export CSV" }).click(),
	]);
	const csv = readFileSync(await download.path(), "utf8").split("\r\n").filter(Boolean);
	log(`  ${download.suggestedFilename()}: ${csv.length - 1} rows`);
	assert.match(csv[0], /^timestamp,level,category,event,src_ip/);
	assert.ok(csv.length > 1 && csv.slice(1).every((l) => l.split(",")[2] === "scan"), "the CSV holds other categories");
	assert.ok(csv.some((l) => l.includes("port-scan") && l.includes(OUT2_V4)), "the CSV lacks the scan");
}

async function seeAutomaticBlock(page) {
	await page.goto(`${URL_}#/blocklist`);
	const row = page.locator("main table tbody tr", { hasText: OUT2_V4 });
	await row.first().waitFor({ timeout: 10000 });
	const text = await row.first().textContent();
	log(`  the scanner's entry: ${text.replace(/\s+/g, " ").trim()}`);
	assert.match(text, /scan/i, "the automatic entry does not say why");
	assert.match(text, /\d+ (min|s|h)/, "the automatic entry does not say when it expires");
}

async function blockAndUnblock(page) {
	await page.goto(`${URL_}#/blocklist`);
	await page.getByLabel("Address", { exact: true }).fill(OUT_V4);
	await page.getByLabel("TTL (seconds)", { exact: true }).fill("600");
	await page.getByLabel("Reason", { exact: true }).fill("console test");
	await page.getByRole("button", { name: "Add entry" }).click();
	const row = page.locator("main table tbody tr", { hasText: OUT_V4 });
	await row.first().waitFor({ timeout: 10000 });
	assert.match(await row.first().textContent(), /console test/, "the entry lacks its reason");
	await shot(page, "blocklist-entry-added");
	assert.ok(pingFails(NS_OUT, IN_V4), "the entry added in the console does not stop outside's pings");
	log("  outside's pings stop");

	page.once("dialog", (d) => d.accept());
	await page.getByRole("button", { name: new RegExp(`^Remove ${OUT_V4.replace(/\./g, "\\.")} from `) }).click();
	await row.first().waitFor({ state: "detached", timeout: 10000 });
	assert.ok(pingOk(NS_OUT, IN_V4), "outside's pings do not pass after the entry was removed");
}

async function main() {
	const browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: ["--no-sandbox", "--disable-dev-shm-usage"],
	});
	const laptop = await browser.newContext({ viewport: { width: 1366, height: 800 } });
	const page = await laptop.newPage();
	let where = "login";
	watch(page, () => where);
	current = page;

	await step("without a session every page is the login page (the server sends it there)", async () => {
		await page.goto(`${URL_}#/groups`);
		await page.waitForURL(/\/login\.html#\/groups$/);
		await shot(page, "login");
		const bad = await auditPage(page);
		assert.deepEqual(bad, []);
	});
	await step("log in with the generated password: back to the page asked for", () =>
		login(page, "groups", "Security groups"));

	for (const [hash, title] of PAGES)
		await step(`${title}: shown, labelled, screenshot (laptop)`, async () => {
			where = `${hash} (laptop)`;
			await open(page, hash);
			assert.equal(await page.locator("main#view h1.page-title").textContent(), title);
			assert.deepEqual(await auditPage(page), []);
			log(`  ${await shot(page, `${hash}-laptop`)}`);
		});

	await step("port 5000 is closed before the rule (default-closed)", () => assert.ok(tcpBlocked()));
	await step("a security-group rule added in the console (a bad one refused next to its field)", async () => {
		where = "groups";
		await addRuleThroughConsole(page);
	});
	await step("the rule lets a TCP transfer outside -> inside:5000 through", async () =>
		assert.ok(await tcpPasses(), "the bytes did not arrive"));
	await step("its hit counter counts in the console", async () => {
		const n = await until("a packet count > 0", async () => {
			const v = await cellNumber(ruleRow(page, RULE), "Packets");
			return v > 0 ? v : 0;
		}, 15000);
		log(`  ${n} packets`);
	});
	await step("a scan shows as an alert in the log view", async () => {
		where = "alerts";
		await seeScanAlert(page);
	});
	await step("the scanner's automatic block says why and when it expires", async () => {
		where = "blocklist";
		await seeAutomaticBlock(page);
	});
	await step("a block-list entry added in the console stops pings; removed, they pass", async () => {
		where = "blocklist";
		await blockAndUnblock(page);
	});

	const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
	const mobile = await phone.newPage();
	watch(mobile, () => where);
	current = mobile;
	await step("log in on a phone", async () => {
		where = "login (phone)";
		await mobile.goto(URL_);
		await mobile.waitForURL(/\/login\.html/);
		await login(mobile, "dashboard", "Dashboard");
	});
	for (const [hash, title] of PAGES)
		await step(`${title}: fits a phone screen, screenshot`, async () => {
			where = `${hash} (phone)`;
			await open(mobile, hash);
			assert.deepEqual(await auditPage(mobile), []);
			log(`  ${await shot(mobile, `${hash}-phone`)}`);
		});
	await step("the phone's menu opens and leads to a page", async () => {
		await mobile.getByRole("button", { name: "Menu" }).click();
		await mobile.getByRole("link", { name: "Alerts" }).click();
		await mobile.waitForURL(/#\/alerts/);
	});

	current = page;
	await step("log out: the console is the login page again", async () => {
		where = "logout";
		await page.getByRole("button", { name: "Log out" }).click();
		await page.waitForURL(/login\.html/);
		await page.goto(`${URL_}#/dashboard`);
		await page.waitForURL(/login\.html/);
	});
	await step("no errors or warnings in the browser's console", async () => {
		assert.deepEqual(problems, []);
	});
	await browser.close();
	return failed ? 1 : 0;
}

main().then((rc) => process.exit(rc), (e) => {
	log(`FAIL: ${e.stack || e}`);
	process.exit(1);
});
