import { signIn } from '@datanet/client';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useState } from 'react';
import { api } from '../api/api-client';
import { useSession } from '../api/session';
import { connectWallet, personalSign, walletProvider } from './wallet';

/** Sign-In with Ethereum through whatever EIP-1193 wallet the browser has. */
export function SignInPage() {
  const { next } = useSearch({ from: '/sign-in' });
  const navigate = useNavigate();
  const qc = useQueryClient();
  const session = useSession();
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const hasWallet = Boolean(walletProvider());

  const go = async () => {
    setState({ busy: true });
    try {
      const { provider, address } = await connectWallet();
      await signIn(api, { address, signMessage: (m) => personalSign(provider, address, m) });
      await qc.invalidateQueries();
      // Only a path on this site: never an outside URL from the query string.
      const target = next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
      await navigate({ to: target });
    } catch (e) {
      const m = (e as { message?: string; code?: number }).message ?? String(e);
      setState({
        busy: false,
        error: (e as { code?: number }).code === 4001 ? 'You declined the signature in your wallet.' : m.split('\n')[0].slice(0, 300),
      });
    }
  };

  return (
    <div className="page narrow">
      <h1>Sign in</h1>
      {session.data?.address ? (
        <p>
          You are signed in as <code>{session.data.address}</code>.
        </p>
      ) : null}
      <p>
        Sign in with your Ethereum wallet (Sign-In with Ethereum). Your wallet asks you to sign a message; no transaction is sent and
        nothing is paid.
      </p>
      {!hasWallet ? (
        <div className="state error" role="alert">
          No wallet found in this browser. Install an Ethereum wallet (any EIP-1193 provider) and reload.
        </div>
      ) : null}
      <button type="button" className="primary" onClick={go} disabled={state.busy || !hasWallet}>
        {state.busy ? 'Waiting for your wallet…' : 'Sign in with wallet'}
      </button>
      {state.error ? (
        <p className="state error" role="alert">
          {state.error}
        </p>
      ) : null}
    </div>
  );
}
