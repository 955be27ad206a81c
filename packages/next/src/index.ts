export { type WebhookRouteOptions, webhookRoute } from "./app.js";
export { webhookApiRoute } from "./pages.js";
export type { ReceiverSource } from "./source.js";
