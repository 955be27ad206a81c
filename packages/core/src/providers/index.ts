import { eulabel } from "./eulabel.js";

/** Presets: name your platform and be done. */
export const providers = { eulabel };

export type { EulabelOptions } from "./eulabel.js";
export { eulabelCompliance, eulabelEvents } from "./eulabel.js";
