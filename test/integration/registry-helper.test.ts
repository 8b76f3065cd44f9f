import { startRegistry } from '../helpers/registry';

it('starts a real registry on loopback that answers the OCI distribution API', async () => {
  const reg = await startRegistry();
  try {
    const r = await fetch(`${reg.url}/v2/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  } finally {
    await reg.stop();
  }
});
