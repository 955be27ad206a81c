import { createApp } from "./app.mjs";

const secret = process.env.EULABEL_SECRET;
if (!secret) {
  console.error("Set EULABEL_SECRET to the signing secret from the EUlabel dashboard (Settings > Webhooks).");
  process.exit(2);
}
const port = Number(process.env.PORT ?? 3000);
const { app } = createApp({ secret });
app.listen(port, () => console.log(`EUlabel webhooks: POST http://localhost:${port}/webhooks/eulabel`));
