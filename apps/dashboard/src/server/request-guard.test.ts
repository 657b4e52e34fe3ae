// Regression tests for issue 17 item 1 (DNS rebinding, cross-site posts) at the guard's own
// level; test/security drives the same rules through the production server.
import { describe, expect, it } from 'vitest';
import {
  type GuardSettings,
  guardSettingsFromEnv,
  hostName,
  refusal,
  SECURITY_HEADERS,
} from './request-guard';

const loopback: GuardSettings = { bindHost: '127.0.0.1', allowedHosts: [], machineName: 'gpu-box.lab' };
const allInterfaces: GuardSettings = {
  bindHost: '0.0.0.0',
  allowedHosts: ['runs.example.org'],
  machineName: 'gpu-box.lab',
};
const req = (host: string | null, origin: string | null = null) => ({ host, origin });

describe('Host allow-list (DNS rebinding)', () => {
  it.each(['127.0.0.1:3000', 'localhost:3000', 'LOCALHOST', '[::1]:3000', '127.0.0.2:3000', '10.1.2.3:3000'])(
    'answers Host %s on a loopback dashboard',
    (host) => {
      expect(refusal(req(host), loopback)).toBeNull();
    },
  );

  it.each([
    'evil.example:3000',
    'rebind.127.0.0.1.nip.io:3000',
    'localhost.evil.example',
    'gpu-box.lab:3000',
  ])('refuses Host %s on a loopback dashboard', (host) => {
    expect(refusal(req(host), loopback)).toMatch(/DNS rebinding guard/);
  });

  it('refuses a missing or malformed Host', () => {
    expect(refusal(req(null), loopback)).toMatch(/Host/);
    expect(refusal(req(''), loopback)).toMatch(/Host/);
    expect(refusal(req('[::1'), loopback)).toMatch(/Host/);
    expect(refusal(req('a:b:c'), loopback)).toMatch(/Host/);
  });

  it('on every interface, also answers the machine name and --allow-host names', () => {
    expect(refusal(req('gpu-box.lab:3000'), allInterfaces)).toBeNull();
    expect(refusal(req('gpu-box:3000'), allInterfaces)).toBeNull();
    expect(refusal(req('runs.example.org'), allInterfaces)).toBeNull();
    expect(refusal(req('evil.example'), allInterfaces)).toMatch(/rebinding/);
  });

  it('answers the configured host name', () => {
    expect(refusal(req('box.internal:8080'), { ...loopback, bindHost: 'box.internal' })).toBeNull();
  });
});

describe('Origin check (cross-site requests)', () => {
  it('accepts the same origin and refuses others, including opaque ones', () => {
    expect(refusal(req('127.0.0.1:3000', 'http://127.0.0.1:3000'), loopback)).toBeNull();
    expect(refusal(req('127.0.0.1:3000', 'http://evil.example'), loopback)).toMatch(/cross-origin/);
    expect(refusal(req('127.0.0.1:3000', 'http://127.0.0.1:8000'), loopback)).toMatch(/cross-origin/);
    expect(refusal(req('127.0.0.1:3000', 'http://localhost:3000'), loopback)).toMatch(/cross-origin/);
    expect(refusal(req('127.0.0.1:3000', 'null'), loopback)).toMatch(/opaque/);
    expect(refusal(req('127.0.0.1:3000', 'not a url'), loopback)).toMatch(/malformed Origin/);
  });

  it('accepts an --allow-host origin in front of a proxy that rewrites Host', () => {
    expect(refusal(req('127.0.0.1:3000', 'https://runs.example.org'), allInterfaces)).toBeNull();
  });
});

describe('settings and headers', () => {
  it('reads the bind host and allowed names from the environment', () => {
    expect(
      guardSettingsFromEnv(
        { GLORANK_DASHBOARD_HOST: '0.0.0.0', GLORANK_DASHBOARD_ALLOWED_HOSTS: ' A.example, b ' },
        'm',
      ),
    ).toEqual({ bindHost: '0.0.0.0', allowedHosts: ['a.example', 'b'], machineName: 'm' });
    expect(hostName('[::1]:80')).toBe('::1');
  });

  it('forbids framing in both the old and the new way', () => {
    expect(SECURITY_HEADERS['x-frame-options']).toBe('DENY');
    expect(SECURITY_HEADERS['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
