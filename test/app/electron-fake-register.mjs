// `node --import` this to run Electron main under plain Node: `electron` resolves to electron-fake.mjs.
import { register } from 'node:module';
import { URL } from 'node:url';

register(
  'data:text/javascript,' +
    encodeURIComponent(
      `export async function resolve(specifier, context, next) {
        if (specifier === 'electron') return { url: ${JSON.stringify(new URL('./electron-fake.mjs', import.meta.url).href)}, shortCircuit: true };
        return next(specifier, context);
      }`,
    ),
);
