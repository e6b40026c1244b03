import { useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent } from 'react';
import { ApiError } from '../api/api-client';
import { fileVerdict, useServerPreflight } from './server-preflight';
import { api, data } from '../api/api-client';
import { connectWallet } from '../auth/wallet';
import { ErrorBox } from '../components/states';
import { preflight, type PreflightRules, type Quota } from './preflight';
import { signManifest, upload, type Receipt } from './sign-and-upload';

type Phase = { at: 'idle' } | { at: 'signing' } | { at: 'uploading'; fraction: number } | { at: 'done'; receipt: Receipt };

/** Drop files, see what intake would decide, sign the manifest in the wallet, upload with progress. */
export function SubmitForm({
  datanet,
  address,
  rules,
  licences,
  consents,
  quota,
}: {
  datanet: string;
  address: string;
  rules: PreflightRules;
  licences: string[];
  consents: string[];
  quota?: Quota;
}) {
  const qc = useQueryClient();
  const [files, setFiles] = useState<File[]>([]);
  const [over, setOver] = useState(false);
  const [licence, setLicence] = useState(licences[0] ?? '');
  const [consent, setConsent] = useState<string[]>(consents);
  const [phase, setPhase] = useState<Phase>({ at: 'idle' });
  const [error, setError] = useState<unknown>();
  // The manifest signed for the last send that got no answer (the connection dropped, a 5xx): the
  // server may have stored it, so a retry of the same files sends the same signed submission, which
  // the server answers with its first receipt instead of storing the files a second time.
  const [unanswered, setUnanswered] = useState<{ key: string; signed: Awaited<ReturnType<typeof signManifest>> }>();
  const check = preflight(files, rules, quota);
  const server = useServerPreflight(
    datanet,
    check.sending.map((c) => c.file),
    licence,
    consent,
  );
  const verdicts = new Map((server.data?.files ?? []).map((f) => [f.name, fileVerdict(f)]));
  const missingConsent = consents.filter((c) => !consent.includes(c));

  const add = (list: FileList | null) => {
    if (!list) return;
    setPhase({ at: 'idle' });
    setError(undefined);
    setFiles((f) => [...f, ...Array.from(list)]);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    add(e.dataTransfer.files);
  };
  const send = async () => {
    setError(undefined);
    try {
      const sending = check.sending.map((c) => c.file);
      const key = JSON.stringify([datanet, address.toLowerCase(), licence, consent, sending.map((f) => [f.name, f.size, f.lastModified])]);
      let signed = unanswered?.key === key ? unanswered.signed : undefined;
      if (!signed) {
        setPhase({ at: 'signing' });
        const { provider, address: signer } = await connectWallet();
        if (signer.toLowerCase() !== address.toLowerCase())
          throw new Error(`The wallet's account ${signer} is not the one signed in (${address}); switch accounts in the wallet.`);
        const signing = await data(api.GET('/v1/datanets/{id}/signing-domain', { params: { path: { id: datanet } } }));
        signed = await signManifest(provider, signer, datanet, signing, sending, licence, consent);
      }
      setPhase({ at: 'uploading', fraction: 0 });
      let receipt: Receipt;
      try {
        receipt = await upload(datanet, signed, sending, (fraction) => setPhase({ at: 'uploading', fraction }));
      } catch (e) {
        // A refusal (4xx) stored nothing: the next send signs afresh. Otherwise it may be stored.
        const status = (e as { status?: number }).status ?? 0;
        setUnanswered(status >= 400 && status < 500 ? undefined : { key, signed });
        throw e;
      }
      setUnanswered(undefined);
      setPhase({ at: 'done', receipt });
      setFiles([]);
      await qc.invalidateQueries({ queryKey: ['contributor'] });
      await qc.invalidateQueries({ queryKey: ['my-submissions'] });
    } catch (e) {
      setPhase({ at: 'idle' });
      const code = (e as { code?: number }).code;
      setError(code === 4001 ? new ApiError(400, 'declined', 'You declined the signature in your wallet; nothing was sent.') : e);
    }
  };

  const busy = phase.at === 'signing' || phase.at === 'uploading';
  return (
    <section className="panel" aria-labelledby="submit-title">
      <h2 id="submit-title">Submit files</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <p>Drop files here, or</p>
        <label className="button">
          Choose files
          <input type="file" multiple className="sr-only" onChange={(e) => add(e.target.files)} aria-label="Choose files to submit" />
        </label>
        <p className="muted">Accepted formats: {rules.formats.join(', ')}</p>
      </div>
      {files.length ? (
        <>
          <h3>Preflight: what intake would decide</h3>
          <div className="table-wrap" tabIndex={0}>
            <table aria-label="Preflight">
              <thead>
                <tr>
                  <th scope="col">File</th>
                  <th scope="col">Size</th>
                  <th scope="col">Decision</th>
                </tr>
              </thead>
              <tbody>
                {check.checked.map((c, i) => (
                  <tr key={`${c.file.name}:${i}`}>
                    <td>{c.file.name}</td>
                    <td>{c.file.size.toLocaleString()} B</td>
                    <td className={c.problem || verdicts.get(c.file.name)?.ok === false ? 'error-text' : 'ok-text'}>
                      {c.problem
                        ? `not sent: ${c.problem}`
                        : server.isFetching
                          ? 'checking…'
                          : (verdicts.get(c.file.name)?.text ??
                            (server.error ? 'will be sent (the server could not check it)' : 'will be sent'))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {server.error ? <ErrorBox error={server.error} /> : null}
          {check.blocking.map((b) => (
            <p key={b} className="state error" role="alert">
              Over a limit: {b}
            </p>
          ))}
          <div className="form">
            <label>
              Licence
              <select value={licence} onChange={(e) => setLicence(e.target.value)}>
                {licences.map((l) => (
                  <option key={l}>{l}</option>
                ))}
              </select>
            </label>
            {consents.length ? (
              <fieldset>
                <legend>Consent (required)</legend>
                {consents.map((c) => (
                  <label key={c} className="check">
                    <input
                      type="checkbox"
                      checked={consent.includes(c)}
                      onChange={(e) => setConsent(e.target.checked ? [...consent, c] : consent.filter((x) => x !== c))}
                    />{' '}
                    I consent to {c}
                  </label>
                ))}
              </fieldset>
            ) : null}
            <div className="actions">
              <button
                type="button"
                className="primary"
                disabled={busy || check.sending.length === 0 || check.blocking.length > 0 || missingConsent.length > 0}
                onClick={send}
              >
                Sign and upload {check.sending.length} file{check.sending.length === 1 ? '' : 's'}
              </button>
              <button type="button" onClick={() => setFiles([])} disabled={busy}>
                Clear
              </button>
            </div>
            {check.sending.length < files.length ? (
              <p className="muted">Files refused by the preflight are left out of the submission.</p>
            ) : null}
          </div>
        </>
      ) : null}
      {phase.at === 'signing' ? <p role="status">Sign the submission in your wallet…</p> : null}
      {phase.at === 'uploading' ? (
        <div role="status">
          <label>
            Uploading… {Math.round(phase.fraction * 100)}%
            <progress value={phase.fraction} max={1} />
          </label>
        </div>
      ) : null}
      {phase.at === 'done' ? (
        <p className="state" role="status">
          Received: submission <code>{phase.receipt.submissionId.slice(0, 12)}</code>, {phase.receipt.files} file
          {phase.receipt.files === 1 ? '' : 's'}, {phase.receipt.bytes.toLocaleString()} bytes. Intake decides next; follow it below.
        </p>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  );
}
