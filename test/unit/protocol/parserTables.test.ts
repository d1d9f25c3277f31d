import assert from 'node:assert/strict';
import {
  hostToInspectorParsers,
  inspectorToHostParsers,
  parseHostToInspector,
  parseInspectorMessage,
  type HostToInspector,
  type InspectorToHost,
} from '../../../src/protocol/checkpointMessages';
import {
  dashboardToHostParsers,
  hostToDashboardParsers,
  parseDashboardMessage,
  parseHostMessage,
  type DashboardToHost,
  type HostToDashboard,
} from '../../../src/protocol/dashboardMessages';
import {
  hostToProbeParsers,
  parseHostToProbe,
  parseProbeMessage,
  probeToHostParsers,
  type HostToProbe,
  type ProbeToHost,
} from '../../../src/protocol/probeMessages';
import { parseByType, ProtocolError, type ParserTable } from '../../../src/protocol/validate';

/*
 * The parser tables are checked by the compiler, not by mocha: `npx tsc -p .` (its include has test/) fails when
 * a table misses a message type, names one that does not exist, or parses a type into another. Each
 * `@ts-expect-error` below marks such a table; if the check ever stopped working, tsc would report the directive
 * as unused and fail.
 */

type Sample = { type: 'ping' } | { type: 'say'; text: string };

const complete: ParserTable<Sample> = {
  ping: () => ({ type: 'ping' }),
  say: (m) => ({ type: 'say', text: String(m.text) }),
};

// @ts-expect-error a message type with no parser does not compile ('say' is missing)
const missing: ParserTable<Sample> = { ping: () => ({ type: 'ping' }) };

const extra: ParserTable<Sample> = {
  ping: () => ({ type: 'ping' }),
  say: () => ({ type: 'say', text: '' }),
  // @ts-expect-error a parser for a type the union does not have does not compile
  shout: () => ({ type: 'say', text: '' }),
};

const crossed: ParserTable<Sample> = {
  // @ts-expect-error an entry must return its own message type, not another one
  ping: () => ({ type: 'say', text: '' }),
  say: () => ({ type: 'say', text: '' }),
};

/** A protocol grows by one message type and nobody writes its parser: the real table no longer fits. */
type Grown<M> = M | { type: 'brandNew' };
const grown = [
  // @ts-expect-error the dashboard's webview → host table lacks the new type
  (): ParserTable<Grown<DashboardToHost>> => dashboardToHostParsers,
  // @ts-expect-error the dashboard's host → webview table lacks the new type
  (): ParserTable<Grown<HostToDashboard>> => hostToDashboardParsers,
  // @ts-expect-error the inspector's webview → host table lacks the new type
  (): ParserTable<Grown<InspectorToHost>> => inspectorToHostParsers,
  // @ts-expect-error the inspector's host → webview table lacks the new type
  (): ParserTable<Grown<HostToInspector>> => hostToInspectorParsers,
  // @ts-expect-error the probe's webview → host table lacks the new type
  (): ParserTable<Grown<ProbeToHost>> => probeToHostParsers,
  // @ts-expect-error the probe's host → webview table lacks the new type
  (): ParserTable<Grown<HostToProbe>> => hostToProbeParsers,
];

/** True only when A and B are the same type (not merely assignable one way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// Each real table is declared as the ParserTable of its protocol's whole union, so a member added to a union
// breaks that declaration itself, in the protocol file.
const declared: [
  Same<typeof dashboardToHostParsers, ParserTable<DashboardToHost>>,
  Same<typeof hostToDashboardParsers, ParserTable<HostToDashboard>>,
  Same<typeof inspectorToHostParsers, ParserTable<InspectorToHost>>,
  Same<typeof hostToInspectorParsers, ParserTable<HostToInspector>>,
  Same<typeof probeToHostParsers, ParserTable<ProbeToHost>>,
  Same<typeof hostToProbeParsers, ParserTable<HostToProbe>>,
] = [true, true, true, true, true, true];

const unknownType = (type: unknown): never => {
  throw new ProtocolError(`unknown ${String(type)}`);
};

/** Names every object inherits: none of them is a message type. */
const inherited = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf'];

describe('message parser tables', () => {
  it('keeps the compile-time cases in the program (tsc checks them)', () => {
    assert.equal(grown.length, 6);
    assert.deepEqual(declared, [true, true, true, true, true, true]);
    assert.ok([missing, extra, crossed].every((table) => typeof table === 'object'));
  });

  it('parses a message with the entry for its type', () => {
    assert.deepEqual(parseByType(complete, { type: 'say', text: 'hi' }, unknownType), { type: 'say', text: 'hi' });
    assert.deepEqual(parseByType(complete, { type: 'ping' }, unknownType), { type: 'ping' });
  });

  it('takes only the own keys of a table as types, never what every object inherits', () => {
    for (const type of inherited)
      assert.throws(() => parseByType(complete, JSON.parse(`{"type":${JSON.stringify(type)}}`), unknownType), {
        detail: `unknown ${type}`,
      });
  });

  it('hands a missing or non-string type to the unknown-type error, and a non-object to the record error', () => {
    for (const raw of [{}, { type: 1 }, { type: null }, { type: ['ping'] }, { type: { toString: () => 'ping' } }])
      assert.throws(() => parseByType(complete, raw, unknownType), ProtocolError);
    for (const raw of [null, 'ping', ['ping'], 3])
      assert.throws(() => parseByType(complete, raw, unknownType), { detail: 'message is not an object' });
  });

  it('drops a message whose type is an inherited name, in every real parser, with its own wording', () => {
    const parsers = [
      parseDashboardMessage,
      parseHostMessage,
      parseInspectorMessage,
      parseHostToInspector,
      parseProbeMessage,
      parseHostToProbe,
    ];
    for (const type of inherited)
      for (const parse of parsers) {
        const result = parse(JSON.parse(`{"type":${JSON.stringify(type)}}`));
        assert.ok(result instanceof ProtocolError, `${type} accepted`);
        assert.match(result.detail, /^unknown (message )?type/);
      }
    assert.equal(
      (parseDashboardMessage({ type: 'constructor' }) as ProtocolError).detail,
      'unknown type "constructor"',
    );
    assert.equal((parseHostToInspector({ type: 'toString' }) as ProtocolError).detail, 'unknown message type');
  });
});
