import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";
import { randomAlphanumeric } from "./values.js";

const outer = <E extends object>(eventId: string, eventTime: number, event: E) => ({
  token: "XXYYZZ",
  team_id: "T123ABC456",
  api_app_id: "A123ABC456",
  event,
  type: "event_callback",
  event_id: eventId,
  event_time: eventTime,
  authorizations: [
    {
      enterprise_id: null,
      team_id: "T123ABC456",
      user_id: "U123ABC456",
      is_bot: true,
      is_enterprise_install: false,
    },
  ],
  is_ext_shared_channel: false,
  event_context: "4-eyJldCI6ImFwcF9tZW50aW9uIiwidGlkIjoiVDEyM0FCQzQ1NiJ9",
});

/** The verification request(s) Slack sends, as its documents show them. */
export const slackHandshakes = {
  url_verification: {
    token: "Jhj5dZrVaK7ZwHHjRyZWjbDl",
    challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    type: "url_verification",
  },
};

/**
 * Slack's Events API. `app_mention` and `message` follow Slack's event pages; `url_verification` is the
 * body its url_verification page shows (the handshake, answered with its challenge).
 */
export const slack = definePlatform({
  name: "slack",
  preset: "slack",
  create: (secret) => providers.slack({ secret }),
  userAgent: "Slackbot 1.0 (+https://api.slack.com/robots)",
  // Each attempt is signed anew (X-Slack-Request-Timestamp is the attempt's); event_id stays.
  resignEachAttempt: true,
  fresh: (payload, now) => ({
    ...payload,
    event_id: `Ev${randomAlphanumeric(10).toUpperCase()}`,
    event_time: Math.floor(now / 1000),
  }),
  fixtures: {
    app_mention: outer("Ev0PV52K21", 1515449522, {
      type: "app_mention",
      user: "U061F7AUR",
      text: "<@U0LAN0Z89> is it everything a river should be?",
      ts: "1515449522.000016",
      channel: "C123ABC456",
      event_ts: "1515449522000016",
    }),
    message: outer("Ev0PV52K22", 1355517523, {
      type: "message",
      channel: "C123ABC456",
      user: "U123ABC456",
      text: "Hello world",
      ts: "1355517523.000005",
      event_ts: "1355517523.000005",
      channel_type: "channel",
    }),
  },
  handshakes: slackHandshakes,
});
