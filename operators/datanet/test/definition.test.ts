import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@datanet/pipelines/testing';
import {
  DatanetDefinitionError,
  MIB,
  datanetJsonSchemaText,
  loadDatanetDefinition,
  parseDatanetYaml,
  resolveDatanetPath,
} from '../src/index.js';

const DIR = join(REPO_ROOT, 'configs', 'datanets');

describe('Datanet definitions', () => {
  it('the committed JSON Schema is what the zod schema generates (run `npm run schema` in operators/datanet if this fails)', () => {
    expect(readFileSync(join(DIR, 'datanet.schema.json'), 'utf8')).toBe(datanetJsonSchemaText());
  });

  it('every committed Datanet YAML loads; medical-qa has the design limits and the Q&A record schema', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));
    expect(files).toContain('medical-qa.yaml');
    for (const f of files) loadDatanetDefinition(join(DIR, f));
    const d = loadDatanetDefinition(join(DIR, 'medical-qa.yaml'));
    expect(d.limits).toMatchObject({ dailyBytesPerContributor: 10 * MIB, filesPerSubmission: 20, resetTimezone: 'UTC' });
    expect(d.recordSchema!.textFields).toEqual(['question', 'answer']);
    expect(resolveDatanetPath('medical-qa', join(REPO_ROOT, 'configs', 'pipelines'))).toBe(join(DIR, 'medical-qa.yaml'));
  });

  it('applies defaults for limits', () => {
    const d = parseDatanetYaml('apiVersion: datanet/v1\nkind: Datanet\nid: notes\ndomain: misc\nformats: [txt]\nlicences: [CC0-1.0]\n');
    expect(d.limits.dailyBytesPerContributor).toBe(10 * 1024 * 1024);
    expect(d.limits.filesPerSubmission).toBe(20);
    // Intake's hard limits default to safe values; durations may be written as "1d", "5m".
    expect(d.limits).toMatchObject({
      maxManifestBytes: MIB,
      maxDecompressedBytes: 64 * MIB,
      maxRecordsPerFile: 100_000,
      maxSubmissionAge: 86_400_000,
      maxClockSkew: 300_000,
    });
    const e = parseDatanetYaml(
      'apiVersion: datanet/v1\nkind: Datanet\nid: notes\ndomain: misc\nformats: [txt]\nlicences: [CC0-1.0]\nlimits: { maxSubmissionAge: 6h, maxClockSkew: 90s }\n',
    );
    expect(e.limits).toMatchObject({ maxSubmissionAge: 6 * 3_600_000, maxClockSkew: 90_000 });
    expect(d.standing).toEqual({ prior: 10, revokePenalty: 5 });
  });

  it('reports every error at once as file:line:col', () => {
    const yaml = [
      'apiVersion: datanet/v1',
      'kind: Datanet',
      'id: Bad Id',
      'domain: medicine',
      'formats: [jsonl, exe]',
      'licences: [CC-BY-4.0]',
      'limits:',
      '  dailyBytesPerContributor: -1',
      '  resetTimezone: Mars/Olympus',
      'recordSchema:',
      '  fields: [{ name: question }]',
      '  textFields: [answer]',
      'colour: blue',
    ].join('\n');
    let error: DatanetDefinitionError | undefined;
    try {
      parseDatanetYaml(yaml, 'bad.yaml');
    } catch (e) {
      error = e as DatanetDefinitionError;
    }
    expect(error).toBeInstanceOf(DatanetDefinitionError);
    const lines = error!.message.split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^bad\.yaml:3:5: id: /));
    expect(lines).toContainEqual(expect.stringMatching(/^bad\.yaml:5:18: formats\.1: /));
    expect(lines).toContainEqual(expect.stringMatching(/^bad\.yaml:8:29: limits\.dailyBytesPerContributor: /));
    expect(lines).toContainEqual(expect.stringMatching(/^bad\.yaml:12:16: recordSchema\.textFields\.0: textFields names "answer"/));
    expect(lines).toContainEqual('bad.yaml:13:1: document: unknown field(s) "colour"');
    expect(lines).toContainEqual(expect.stringMatching(/^bad\.yaml:9:18: limits\.resetTimezone: "Mars\/Olympus" is not an IANA time zone/));
  });

  it('refuses disputes that only the review quorum decides on a Datanet with no review section: nobody could ever decide them', () => {
    const base = ['apiVersion: datanet/v1', 'kind: Datanet', 'id: notes', 'domain: misc', 'formats: [txt]', 'licences: [CC0-1.0]'];
    const quorum = ['disputes:', '  resolvers: quorum'];
    expect(() => parseDatanetYaml([...base, ...quorum].join('\n'), 'q.yaml')).toThrow(
      /^q\.yaml:8:14: disputes\.resolvers: quorum needs a review section/m,
    );
    const reviewed = [
      ...base,
      ...quorum,
      'review:',
      '  reviewers:',
      "    addresses: ['0x" + 'ab'.repeat(20) + "']",
      '  decision:',
      '    onDeadline: reject',
    ];
    expect(parseDatanetYaml(reviewed.join('\n')).disputes.resolvers).toBe('quorum');
    // A steward decides where no queue does.
    expect(parseDatanetYaml([...base, 'disputes:', '  resolvers: steward-or-quorum'].join('\n')).review).toBeUndefined();
  });

  it('refuses disputes only the quorum decides with escalation at the deadline: stewards, who may not decide them, would get them', () => {
    const base = ['apiVersion: datanet/v1', 'kind: Datanet', 'id: notes', 'domain: misc', 'formats: [txt]', 'licences: [CC0-1.0]'];
    const review = (resolvers: string, decision: string[]) =>
      [
        ...base,
        'disputes:',
        `  resolvers: ${resolvers}`,
        'review:',
        '  reviewers:',
        "    addresses: ['0x" + 'ab'.repeat(20) + "']",
        ...decision,
      ].join('\n');
    // onDeadline defaults to escalate.
    for (const decision of [[], ['  decision:', '    onDeadline: escalate']])
      expect(() => parseDatanetYaml(review('quorum', decision), 'q.yaml')).toThrow(
        /^q\.yaml:\d+:\d+: review\.decision\.onDeadline: escalate \(the default\) leaves what is open at the deadline to stewards, and disputes\.resolvers is quorum/m,
      );
    for (const onDeadline of ['accept', 'reject'])
      expect(parseDatanetYaml(review('quorum', ['  decision:', `    onDeadline: ${onDeadline}`])).review!.decision.onDeadline).toBe(
        onDeadline,
      );
    // Where a steward may resolve disputes, escalation hands them one.
    expect(parseDatanetYaml(review('steward-or-quorum', [])).review!.decision.onDeadline).toBe('escalate');
  });

  it('refuses a review whose escalated items nobody could decide: no steward override and escalation at the deadline', () => {
    const yaml = (decision: string[]) =>
      [
        'apiVersion: datanet/v1',
        'kind: Datanet',
        'id: notes',
        'domain: misc',
        'formats: [txt]',
        'licences: [CC0-1.0]',
        'review:',
        '  reviewers:',
        "    addresses: ['0x" + 'ab'.repeat(20) + "']",
        '  decision:',
        ...decision,
      ].join('\n');
    // onDeadline defaults to escalate.
    expect(() => parseDatanetYaml(yaml(['    stewardOverride: false']), 'e.yaml')).toThrow(
      /^e\.yaml:\d+:\d+: review\.decision\.onDeadline: escalate leaves items to stewards, and stewardOverride is false/m,
    );
    expect(() => parseDatanetYaml(yaml(['    stewardOverride: false', '    onDeadline: escalate']))).toThrow(
      /review\.decision\.onDeadline/,
    );
    for (const onDeadline of ['accept', 'reject'])
      expect(parseDatanetYaml(yaml(['    stewardOverride: false', `    onDeadline: ${onDeadline}`])).review!.decision.onDeadline).toBe(
        onDeadline,
      );
    expect(parseDatanetYaml(yaml(['    onDeadline: escalate'])).review!.decision.stewardOverride).toBe(true);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(() => parseDatanetYaml('id: [unclosed\n', 'broken.yaml')).toThrow(/^broken\.yaml:\d+:\d+: /);
  });
});
