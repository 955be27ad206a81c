import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";

const meeting = {
  id: 1234567890,
  uuid: "4444AAAiAAAAAiAiAiiAii==",
  host_id: "x1yCzABCDEfg23HiJKl4mN",
  topic: "My Meeting",
  type: 2,
  start_time: "2021-07-13T21:44:51Z",
  timezone: "America/Los_Angeles",
  duration: 60,
};

/** The verification request(s) Zoom sends, as its documents show them. */
export const zoomHandshakes = {
  "endpoint.url_validation": {
    payload: { plainToken: "qgg8vlvZRS6UYooatFL8Aw" },
    event_ts: 1654503849680,
    event: "endpoint.url_validation",
  },
};

/**
 * Zoom webhooks. `meeting.started` / `meeting.ended` follow Zoom's event reference; `endpoint.url_validation`
 * is the request its "Validate your webhook endpoint" section shows (the handshake).
 */
export const zoom = definePlatform({
  name: "zoom",
  preset: "zoom",
  create: (secret) => providers.zoom({ secret }),
  userAgent: "Zoom Marketplace/1.0a",
  // Keyed by the body's hash: `event_ts` (ms) makes each event's bytes its own.
  fresh: (payload, now) => ({ ...payload, event_ts: now }),
  fixtures: {
    "meeting.started": {
      event: "meeting.started",
      event_ts: 1626230691572,
      payload: { account_id: "AAAAAABBBB", object: meeting },
    },
    "meeting.ended": {
      event: "meeting.ended",
      event_ts: 1626234291572,
      payload: { account_id: "AAAAAABBBB", object: { ...meeting, end_time: "2021-07-13T22:44:51Z" } },
    },
  },
  handshakes: zoomHandshakes,
});
