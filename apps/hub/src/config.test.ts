import { describe, expect, it } from 'vitest';
import { configFile, INSTALLED_CONFIG } from './config.ts';

describe('configFile', () => {
  const installed = (path: string) => path === INSTALLED_CONFIG;
  const none = () => false;

  it.each([
    { case: '--config wins', flag: 'a.yaml', env: { VIGIL_CONFIG: 'b.yaml' }, exists: installed, expected: 'a.yaml' },
    { case: 'then $VIGIL_CONFIG', flag: undefined, env: { VIGIL_CONFIG: 'b.yaml' }, exists: installed, expected: 'b.yaml' },
    { case: 'then the installed file', flag: undefined, env: {}, exists: installed, expected: '/etc/vigil/vigil.yaml' },
    {
      case: 'an empty $VIGIL_CONFIG counts as unset',
      flag: undefined,
      env: { VIGIL_CONFIG: '' },
      exists: installed,
      expected: INSTALLED_CONFIG,
    },
    { case: 'else none: the defaults', flag: undefined, env: {}, exists: none, expected: undefined },
  ])('$case', ({ flag, env, exists, expected }) => {
    expect(configFile(flag, env, exists)).toBe(expected);
  });
});
