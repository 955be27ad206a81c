// koa2 is the npm alias "npm:koa@^2" used to run the conformance suite on Koa 2; the API used here is the
// same as Koa 3's typings.
declare module "koa2" {
  import Koa = require("koa");
  export = Koa;
}
