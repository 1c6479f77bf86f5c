/* SPDX-License-Identifier: BSD-3-Clause */
#include "flowrec.h"

const char *
ww_flow_end_name(unsigned int reason)
{
	static const char *const names[] = {
		[WW_FLOW_END_IDLE] = "idle",
		[WW_FLOW_END_ACTIVE] = "active",
		[WW_FLOW_END_CLOSED] = "closed",
		[WW_FLOW_END_FORCED] = "forced",
		[WW_FLOW_END_LACK] = "evicted",
	};

	return reason < sizeof(names) / sizeof(names[0]) && names[reason]
	       ? names[reason] : "unknown";
}
