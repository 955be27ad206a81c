export { type WebhookRouteOptions, webhookRoute } from "./app.js";
export { webhookApiRoute } from "./pages.js";
