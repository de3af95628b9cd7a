import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseUrlLayer, resolveConfig } from '../../src/config/config.ts';

describe('resolveConfig defaults', () => {
  it('gives the documented defaults with no layers and no warnings', () => {
    const { config, warnings } = resolveConfig();
    expect(warnings).toEqual([]);
    expect(config.mode).toBe('field');
    expect(config.language).toBe('auto');
    expect(config.vad.positiveSpeechThreshold).toBe(0.5);
    expect(config.vad.hangoverMs).toBe(280);
    expect(config.vad.hangoverMs).toBeLessThanOrEqual(300);
    expect(config.vad.negativeSpeechThreshold).toBeLessThan(config.vad.positiveSpeechThreshold);
    expect(config.telemetry.ringSize).toBe(200);
    expect(config.maxInputChars).toBe(1000);
    expect(config.bargeIn).toBe(true);
  });

  it('never mutates DEFAULT_CONFIG', () => {
    const before = structuredClone(DEFAULT_CONFIG);
    const { config } = resolveConfig({ url: '?mode=kiosk&vad.hangoverMs=200' });
    config.tts.rate = 1.7;
    expect(DEFAULT_CONFIG).toEqual(before);
  });
});

describe('mode presets', () => {
  it('kiosk: large touch targets, attract screen, hands-free, 60 s idle reset', () => {
    const { config, sources } = resolveConfig({ url: '?mode=kiosk' });
    expect(config.mode).toBe('kiosk');
    expect(config.handsFree).toBe(true);
    expect(config.idleResetMs).toBe(60_000);
    expect(config.ui.largeTouchTargets).toBe(true);
    expect(config.ui.attractScreen).toBe(true);
    expect(sources['idleResetMs']).toBe('preset');
    expect(sources['mode']).toBe('url');
  });

  it('rm: tap-to-talk and no attract screen', () => {
    const { config } = resolveConfig({ bundle: { mode: 'rm' } });
    expect(config.mode).toBe('rm');
    expect(config.handsFree).toBe(false);
    expect(config.ui.attractScreen).toBe(false);
  });

  it('the preset follows the mode from the highest layer, but lower-layer values still beat the preset', () => {
    const { config } = resolveConfig({ bundle: { mode: 'rm', idleResetMs: 90_000 }, saved: { mode: 'kiosk' } });
    expect(config.mode).toBe('kiosk');
    expect(config.ui.largeTouchTargets).toBe(true); // kiosk preset
    expect(config.idleResetMs).toBe(90_000); // bundle > preset
  });
});

describe('layer precedence', () => {
  it('defaults < preset < bundle < url < saved', () => {
    const { config, sources } = resolveConfig({
      bundle: { handsFree: false, tts: { rate: 1.1, pitch: 0.9 }, vad: { hangoverMs: 250 } },
      url: '?mode=kiosk&lang=hi&handsFree=1&rate=1.3',
      saved: { tts: { rate: 0.8 } },
    });
    expect(config.language).toBe('hi');
    expect(config.handsFree).toBe(true); // url beats bundle
    expect(config.tts.rate).toBe(0.8); // saved beats url and bundle
    expect(config.tts.pitch).toBe(0.9); // bundle beats default, nobody else set it
    expect(config.vad.hangoverMs).toBe(250);
    expect(config.vad.positiveSpeechThreshold).toBe(0.5); // sibling in the group untouched
    expect(sources).toMatchObject({ 'tts.rate': 'saved', 'tts.pitch': 'bundle', handsFree: 'url', language: 'url' });
  });

  it('reads URL booleans and numbers from text, including handsFree=0', () => {
    const { config, warnings } = resolveConfig({ url: '?mode=KIOSK&handsFree=0&vad.hangoverMs=220&bargeIn=off' });
    expect(warnings).toEqual([]);
    expect(config.mode).toBe('kiosk');
    expect(config.handsFree).toBe(false);
    expect(config.bargeIn).toBe(false);
    expect(config.vad.hangoverMs).toBe(220);
  });

  it('does not coerce strings outside the URL layer', () => {
    const { config, warnings } = resolveConfig({ saved: { handsFree: 'yes', maxInputChars: '500' } });
    expect(config.handsFree).toBe(DEFAULT_CONFIG.handsFree);
    expect(config.maxInputChars).toBe(1000);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('saved: handsFree');
    expect(warnings[1]).toContain('saved: maxInputChars');
  });
});

describe('validation', () => {
  it('clamps out-of-range numbers and names the field and layer', () => {
    const { config, warnings } = resolveConfig({ url: '?vad.hangoverMs=5000&tts.rate=0.1' });
    expect(config.vad.hangoverMs).toBe(2000);
    expect(config.tts.rate).toBe(0.5);
    expect(warnings).toContain('url: vad.hangoverMs "5000" is above the maximum 2000; using 2000');
    expect(warnings.some((w) => w.startsWith('url: tts.rate') && w.includes('below the minimum 0.5'))).toBe(true);
  });

  it('rounds integer fields', () => {
    expect(resolveConfig({ bundle: { idleResetMs: 1234.6 } }).config.idleResetMs).toBe(1235);
  });

  it('rejects wrong types and unknown enum values, keeping the lower layer value', () => {
    const { config, warnings } = resolveConfig({
      bundle: { language: 'en' },
      url: '?lang=fr&tts.pitch=high',
    });
    expect(config.language).toBe('en');
    expect(config.tts.pitch).toBe(1);
    expect(warnings).toEqual([
      'url: language "fr" is not one of auto, hi, en; ignored',
      'url: tts.pitch "high" is not a number; ignored',
    ]);
  });

  it('ignores unknown keys at any depth with a warning', () => {
    const { config, warnings } = resolveConfig({
      bundle: { theme: 'dark', vad: { model: 'v6' } },
      url: '?utm_source=mail',
    });
    expect(config).not.toHaveProperty('theme');
    expect(config.vad).not.toHaveProperty('model');
    expect(warnings).toEqual([
      'bundle: unknown setting "theme" ignored',
      'bundle: unknown setting "vad.model" ignored',
      'url: unknown setting "utm_source" ignored',
    ]);
  });

  it('rejects a layer or group that is not an object', () => {
    const { config, warnings } = resolveConfig({ bundle: 'kiosk', saved: { vad: 300 } });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(warnings).toEqual(['bundle: settings must be an object; ignored', 'saved: settings for "vad" must be an object; ignored']);
  });

  it('does not let inherited keys through (prototype pollution)', () => {
    const { config, warnings } = resolveConfig({ saved: JSON.parse('{"__proto__": {"x": 1}, "toString": 3}') });
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(warnings).toHaveLength(2);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('fixes a negative VAD threshold that is not below the positive one', () => {
    const { config, warnings } = resolveConfig({ saved: { vad: { positiveSpeechThreshold: 0.4, negativeSpeechThreshold: 0.6 } } });
    expect(config.vad.negativeSpeechThreshold).toBe(0.25);
    expect(warnings[0]).toMatch(/vad.negativeSpeechThreshold 0.6 must be below vad.positiveSpeechThreshold 0.4; using 0.25/);
  });
});

describe('parseUrlLayer', () => {
  it('turns __proto__ in a query into an ignored key, not a prototype change', () => {
    const { config, warnings } = resolveConfig({ url: '?__proto__.polluted=1&constructor.prototype.polluted=1' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(warnings).toEqual(['url: unknown setting "__proto__" ignored', 'url: unknown setting "constructor" ignored']);
  });

  it('expands aliases and dotted paths', () => {
    expect(parseUrlLayer('?lang=hi&hangoverMs=200&vad.minSpeechMs=300&mode=rm')).toEqual({
      language: 'hi',
      vad: { hangoverMs: '200', minSpeechMs: '300' },
      mode: 'rm',
    });
  });
});
