import { webhookRoute } from "@webhook-kit/next";
import { eulabelReceiver } from "@/lib/webhooks";

// App Router, Node.js runtime (the default). Other methods get Next's own 405.
export const POST = webhookRoute(eulabelReceiver);
