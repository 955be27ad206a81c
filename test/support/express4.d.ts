// express4 is the npm alias "npm:express@^4" used to run the conformance suite on Express 4; its API surface
// used here is the same as Express 5's typings.
declare module "express4" {
  import express = require("express");
  export = express;
}
