// Express, Fastify and Hono test apps (framework-apps.mjs) with keys from the environment only,
// against a loopback Backend API. Runs under node --test and bun test.
import { test, before, after } from 'node:test';
import { FRAMEWORKS, CASES, startKeyBapi, setClerkEnv } from './framework-apps.mjs';

let bapi;
let restoreEnv;
const apps = {};

before(async () => {
  bapi = await startKeyBapi();
  restoreEnv = setClerkEnv(bapi.url);
  for (const [name, make] of Object.entries(FRAMEWORKS)) apps[name] = await make();
});
after(async () => {
  for (const app of Object.values(apps)) await app.close();
  restoreEnv();
  await bapi.close();
});

for (const name of Object.keys(FRAMEWORKS)) {
  for (const [title, run] of CASES) {
    test(`${name}: ${title}`, () => run(apps[name], bapi));
  }
}
