import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";
import { newTimestamp } from "./values.js";

/**
 * EUlabel outbound passport events (eulabel.eu/docs/webhooks/outbound-webhooks). `passport.draft_created` and `passport.published` are the
 * page's examples verbatim; the others follow their envelope (their compliance figures are invented), and
 * `scan.threshold`, which the page shows no payload for, is invented.
 */

const compliance = (status: string, completeness: number, missing: { field: string; message: string }[]) => ({
  status,
  regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
  completeness,
  missingFields: missing,
  documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
});

const passport = { id: "ps_w9x2kf", gtin: "05601234567890" };
const passportUrl = "https://eulabel.eu/01/05601234567890";

export const eulabel = definePlatform({
  name: "eulabel",
  preset: "eulabel",
  create: (secret) => providers.eulabel({ secret }),
  // EUlabel's docs name no User-Agent; this one is labelled as a test sender.
  userAgent: "EUlabel-Webhooks/1.0 (webhook-kit testing)",
  // Keyed by type + body hash: a new event time is a new event.
  fresh: newTimestamp,
  fixtures: {
    "passport.draft_created": {
      event: "passport.draft_created",
      ...passport,
      timestamp: "2026-03-25T10:00:00Z",
      compliance: compliance("incomplete", 20, [
        {
          field: "data.nutrition",
          message: "Nutrition information per 100 mL is required for wine e-labels.",
        },
        { field: "data.allergens", message: "Allergen declarations are mandatory under Reg. 1169/2011." },
        { field: "data.origin", message: "Country of origin is required for wine e-labels." },
        { field: "data.producers", message: "At least one producer or bottler must be identified." },
      ]),
      passportUrl,
    },
    "passport.enriched": {
      event: "passport.enriched",
      ...passport,
      timestamp: "2026-03-25T10:05:00Z",
      compliance: compliance("incomplete", 60, [
        { field: "data.producers", message: "At least one producer or bottler must be identified." },
      ]),
      passportUrl,
    },
    "passport.published": {
      event: "passport.published",
      ...passport,
      timestamp: "2026-03-25T10:15:00Z",
      compliance: compliance("compliant", 100, []),
      version: 2,
      passportUrl,
    },
    "passport.updated": {
      event: "passport.updated",
      ...passport,
      timestamp: "2026-03-26T08:00:00Z",
      compliance: compliance("compliant", 100, []),
      version: 3,
      passportUrl,
    },
    "passport.deleted": {
      event: "passport.deleted",
      ...passport,
      timestamp: "2026-03-27T09:00:00Z",
    },
    "passport.created": {
      event: "passport.created",
      ...passport,
      timestamp: "2026-03-25T10:15:00Z",
      compliance: compliance("compliant", 100, []),
      version: 1,
      passportUrl,
    },
    "scan.threshold": {
      event: "scan.threshold",
      ...passport,
      timestamp: "2026-03-28T12:00:00Z",
      threshold: 1000,
      scans: 1000,
    },
  },
});
