import { webhookRoute } from "@webhook-kit/next";
import { eulabelReceiver } from "@/lib/webhooks";

// The same receiver on the Edge runtime: verification uses Web Crypto there.
export const runtime = "edge";
export const POST = webhookRoute(eulabelReceiver);
