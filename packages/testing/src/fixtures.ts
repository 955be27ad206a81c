/**
 * Example payloads taken from the platforms' own documents (the seeds), so tests send what the platform
 * sends. Where a document shows no payload, the fixture is marked as invented.
 */

const compliance = (status: string, completeness: number, missing: { field: string; message: string }[]) => ({
  status,
  regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
  completeness,
  missingFields: missing,
  documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
});

/** Seed 001, verbatim. */
const eulabel = {
  draftCreated: {
    event: "passport.draft_created",
    id: "ps_w9x2kf",
    gtin: "05601234567890",
    timestamp: "2026-03-25T10:00:00Z",
    compliance: compliance("incomplete", 20, [
      { field: "data.nutrition", message: "Nutrition information per 100 mL is required for wine e-labels." },
      { field: "data.allergens", message: "Allergen declarations are mandatory under Reg. 1169/2011." },
      { field: "data.origin", message: "Country of origin is required for wine e-labels." },
      { field: "data.producers", message: "At least one producer or bottler must be identified." },
    ]),
    passportUrl: "https://eulabel.eu/01/05601234567890",
  },
  published: {
    event: "passport.published",
    id: "ps_w9x2kf",
    gtin: "05601234567890",
    timestamp: "2026-03-25T10:15:00Z",
    compliance: compliance("compliant", 100, []),
    version: 2,
    passportUrl: "https://eulabel.eu/01/05601234567890",
  },
};

/** Invented: seed 000 names item.create / item.update but shows no payload. */
const eulabelInbound = {
  itemCreate: {
    event: "item.create",
    id: "item_42",
    gtin: "05601234567890",
    timestamp: "2026-03-25T09:59:00Z",
    data: { name: "Vinho Verde DOC 2024", alcohol: 11.5 },
  },
  itemUpdate: {
    event: "item.update",
    id: "item_42",
    gtin: "05601234567890",
    timestamp: "2026-03-25T10:04:00Z",
    data: { name: "Vinho Verde DOC 2024", alcohol: 11.5, allergens: ["sulphites"] },
  },
};

/** Seed 002's example; `supplier.updated` and `sync.completed` follow its envelope (their data is invented). */
const eudr = {
  supplierCreated: {
    event: "supplier.created",
    timestamp: "2024-01-15T10:30:00.000Z",
    integrationId: "int_abc123",
    data: { externalId: "VENDOR-001", internalId: "clx..." },
  },
  supplierUpdated: {
    event: "supplier.updated",
    timestamp: "2024-01-15T11:00:00.000Z",
    integrationId: "int_abc123",
    data: { externalId: "VENDOR-001", internalId: "clx..." },
  },
  syncCompleted: {
    event: "sync.completed",
    timestamp: "2024-01-15T11:05:00.000Z",
    integrationId: "int_abc123",
    data: {},
  },
};

/** Seed 003's example body; the others follow its envelope. */
const generic = {
  userCreated: {
    id: "evt_abc123",
    type: "user.created",
    created_at: "2023-12-01T15:30:00Z",
    data: { id: "usr_789", name: "John Doe", email: "john@example.com", created_at: "2023-12-01T15:30:00Z" },
  },
  projectCreated: {
    id: "evt_abc124",
    type: "project.created",
    created_at: "2023-12-01T15:31:00Z",
    data: { id: "prj_456", name: "Website relaunch" },
  },
  teamMemberAdded: {
    id: "evt_abc125",
    type: "team.member.added",
    created_at: "2023-12-01T15:32:00Z",
    data: { team_id: "team_1", user_id: "usr_789", role: "member" },
  },
};

/** Seed 004's example without its placeholder signature (signDelivery embeds the real one). */
const shipping = {
  shipmentCreated: {
    event: "shipment.created",
    data: { id: "ship_123", status: "created", created_at: "2024-01-15T10:30:00Z" },
    timestamp: "2024-01-15T10:30:00Z",
  },
  shipmentUpdated: {
    event: "shipment.updated",
    data: { id: "ship_123", status: "in_transit", created_at: "2024-01-15T10:30:00Z" },
    timestamp: "2024-01-15T12:00:00Z",
  },
};

/** Standard Webhooks' payload convention `{ type, timestamp, data }`. */
const standardWebhooks = {
  invoicePaid: {
    type: "invoice.paid",
    timestamp: "2024-01-15T10:30:00Z",
    data: { id: "in_123", amount: 1200 },
  },
};

const github = {
  ping: { zen: "Keep it logically awesome.", hook_id: 1, hook: { type: "Repository", events: ["issues"] } },
  issuesOpened: {
    action: "opened",
    issue: { number: 1, title: "Found a bug", state: "open" },
    repository: { full_name: "octo-org/octo-repo" },
  },
};

/** Stripe's public test fixture event (as in the signature vectors). */
const stripe = {
  customerCreated: {
    id: "evt_123",
    object: "event",
    account: "acct_123",
    api_version: "2017-05-25",
    created: 1533204620,
    data: {
      object: {
        id: "cus_123",
        object: "customer",
        created: 123456789,
        email: "test@stripe.com",
        livemode: false,
        metadata: {},
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: "req_123", idempotency_key: "idempotency-key-123" },
    type: "customer.created",
  },
};

/**
 * Example payloads per preset.
 *
 * @example
 * await signDelivery(providers.eulabel({ secret }), fixtures.eulabel.draftCreated);
 */
export const fixtures = {
  eulabel,
  eulabelInbound,
  eudr,
  generic,
  shipping,
  standardWebhooks,
  github,
  stripe,
} as const;

/** Fixtures by provider name (`eulabel-inbound`, `standard-webhooks`, …), for tools that take a name. */
export const fixturesByProvider: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  eulabel,
  "eulabel-inbound": eulabelInbound,
  eudr,
  generic,
  shipping,
  "standard-webhooks": standardWebhooks,
  svix: standardWebhooks,
  github,
  stripe,
};
