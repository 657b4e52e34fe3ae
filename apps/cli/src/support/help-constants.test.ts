// The help-time copies in help-constants.ts must stay equal to the packages' own values
// (importing those at registration would load TensorFlow.js on every CLI start).
import * as experiment from '@glorank/experiment';
import * as model from '@glorank/model';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LEASE_SECONDS, TOKENIZER_SOURCES } from './help-constants.js';

describe('help constants', () => {
  it('DEFAULT_LEASE_SECONDS is @glorank/experiment’s', () => {
    expect(DEFAULT_LEASE_SECONDS).toBe(experiment.DEFAULT_LEASE_SECONDS);
  });
  it('TOKENIZER_SOURCES is @glorank/model’s', () => {
    expect([...TOKENIZER_SOURCES]).toEqual([...model.TOKENIZER_SOURCES]);
  });
});
