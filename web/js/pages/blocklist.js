// SPDX-License-Identifier: BSD-3-Clause
// Placeholder until the page lands.
import { h } from "../ui.js";

export default {
	title: "Block lists",
	async mount(view) {
		view.append(h("p", { text: "coming" }));
	},
};
