// Checks ali-oss against a kossd endpoint. Env: OSS_ENDPOINT, OSS_REGION,
// OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET, STYLE=path|vhost, SIGN=v1|v4.
// TLS: NODE_EXTRA_CA_CERTS=<ca.crt>.
const OSS = require('ali-oss');
const crypto = require('crypto');
const endpoint = process.env.OSS_ENDPOINT;
const style = process.env.STYLE || 'path';
const v4 = (process.env.SIGN || 'v1') === 'v4';
const bucket = process.env.BUCKET || ('alioss-' + crypto.randomBytes(3).toString('hex'));
const opts = {
  endpoint, region: process.env.OSS_REGION,
  accessKeyId: process.env.OSS_ACCESS_KEY_ID, accessKeySecret: process.env.OSS_ACCESS_KEY_SECRET,
  bucket, authorizationV4: v4,
};
if (style === 'path') opts.sldEnable = true;
const client = new OSS(opts);
const u = new URL(endpoint);
const objURL = (key) => style === 'path'
  ? `${u.protocol}//${u.host}/${bucket}/${encodeURIComponent(key)}`
  : `${u.protocol}//${bucket}.${u.host}/${encodeURIComponent(key)}`;

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; console.log('PASS', name); }
  catch (e) { failed++; console.log('FAIL', name, '-', e.code || '', e.status || '', e.message); }
}
function eq(a, b, what) { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${what}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`); }
async function expectErr(fn, code) {
  try { await fn(); } catch (e) { if (code && e.code !== code && e.status !== code) throw new Error(`want ${code}, got ${e.code} ${e.status} ${e.message}`); return; }
  throw new Error(`want error ${code}, got success`);
}

(async () => {
  await check('putBucket', () => client.putBucket(bucket));
  await check('bucket ACL put/get', async () => {
    await client.putBucketACL(bucket, 'public-read');
    eq((await client.getBucketACL(bucket)).acl, 'public-read', 'acl');
  });
  await check('anonymous GET of a public-read object', async () => {
    await client.put('pub.txt', Buffer.from('public'));
    const r = await fetch(objURL('pub.txt'));
    eq(r.status, 200, 'status'); eq(await r.text(), 'public', 'body');
  });
  await check('anonymous PUT refused', async () => {
    const r = await fetch(objURL('anon.txt'), { method: 'PUT', body: 'x' });
    eq(r.status, 403, 'status');
  });
  await check('bucket ACL back to private', async () => {
    await client.putBucketACL(bucket, 'private');
    eq((await client.getBucketACL(bucket)).acl, 'private', 'acl');
    eq((await fetch(objURL('pub.txt'))).status, 403, 'anonymous status');
  });
  await check('object ACL put/get', async () => {
    await client.putACL('pub.txt', 'public-read');
    eq((await client.getACL('pub.txt')).acl, 'public-read', 'acl');
    eq((await fetch(objURL('pub.txt'))).status, 200, 'anonymous status');
  });
  await check('object tagging', async () => {
    await client.put('tagged.txt', Buffer.from('t'), { headers: { 'x-oss-tagging': 'a=1&b=2' } });
    eq((await client.getObjectTagging('tagged.txt')).tag, { a: '1', b: '2' }, 'tags on put');
    await client.putObjectTagging('tagged.txt', { c: '3' });
    eq((await client.getObjectTagging('tagged.txt')).tag, { c: '3' }, 'tags after put');
    const h = await client.head('tagged.txt');
    eq(h.res.headers['x-oss-tagging-count'], '1', 'x-oss-tagging-count');
    await client.deleteObjectTagging('tagged.txt');
    eq((await client.getObjectTagging('tagged.txt')).tag, {}, 'tags after delete');
  });
  await check('bucket tags', async () => {
    await client.putBucketTags(bucket, { team: 'x', env: 'dev' });
    eq((await client.getBucketTags(bucket)).tag, { env: 'dev', team: 'x' }, 'tags');
    await client.deleteBucketTags(bucket);
    eq((await client.getBucketTags(bucket)).tag, {}, 'tags after delete');
  });
  await check('CORS put/get/preflight/delete', async () => {
    await client.putBucketCORS(bucket, [{ allowedOrigin: 'https://app.example.com', allowedMethod: ['GET', 'PUT'],
      allowedHeader: '*', exposeHeader: 'ETag', maxAgeSeconds: '600' }]);
    const got = (await client.getBucketCORS(bucket)).rules;
    eq(got.length, 1, 'rules'); eq(got[0].allowedOrigin, 'https://app.example.com', 'origin');
    let r = await fetch(objURL('pub.txt'), { method: 'OPTIONS', headers: { Origin: 'https://app.example.com',
      'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type' } });
    eq(r.status, 200, 'allowed preflight'); eq(r.headers.get('access-control-allow-origin'), 'https://app.example.com', 'allow-origin');
    r = await fetch(objURL('pub.txt'), { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com',
      'Access-Control-Request-Method': 'PUT' } });
    eq(r.status, 403, 'disallowed preflight');
    await client.deleteBucketCORS(bucket);
    await expectErr(() => client.getBucketCORS(bucket), 'NoSuchCORSConfiguration');
  });
  await check('lifecycle put/get/delete', async () => {
    await client.putBucketLifecycle(bucket, [{ id: 'tmp', prefix: 'tmp/', status: 'Enabled', days: 7 }]);
    const rules = (await client.getBucketLifecycle(bucket)).rules;
    eq(rules.length, 1, 'rules'); eq(rules[0].id, 'tmp', 'id'); eq(String(rules[0].expiration.days), '7', 'days');
    await client.deleteBucketLifecycle(bucket);
    await expectErr(() => client.getBucketLifecycle(bucket), 'NoSuchLifecycle');
  });
  await check('symlink put/get/GET through it', async () => {
    await client.putSymlink('link.txt', 'tagged.txt');
    eq((await client.getSymlink('link.txt')).targetName, 'tagged.txt', 'target');
    eq((await client.get('link.txt')).content.toString(), 't', 'body');
  });
  await check('getBucketInfo endpoints', async () => {
    const b = (await client.getBucketInfo(bucket)).bucket;
    if (!b.IntranetEndpoint || !b.ExtranetEndpoint) throw new Error('endpoints ' + JSON.stringify(b));
    console.log('   IntranetEndpoint', b.IntranetEndpoint, 'ExtranetEndpoint', b.ExtranetEndpoint);
  });
  await check('forbid-overwrite', async () => {
    await client.put('once.txt', Buffer.from('1'), { headers: { 'x-oss-forbid-overwrite': 'true' } });
    await expectErr(() => client.put('once.txt', Buffer.from('2'), { headers: { 'x-oss-forbid-overwrite': 'true' } }), 'FileAlreadyExists');
    eq((await client.get('once.txt')).content.toString(), '1', 'body');
  });
  await check('multipartUpload 5 MiB', async () => {
    const data = crypto.randomBytes(5 * 1024 * 1024 + 123);
    await client.multipartUpload('big.bin', data, { partSize: 1024 * 1024 });
    const got = (await client.get('big.bin')).content;
    eq(crypto.createHash('md5').update(got).digest('hex'), crypto.createHash('md5').update(data).digest('hex'), 'md5');
  });
  await check('multipartUploadCopy (UploadPartCopy)', async () => {
    await client.multipartUploadCopy('big-copy.bin', { sourceKey: 'big.bin', sourceBucketName: bucket }, { partSize: 1024 * 1024 });
    eq((await client.head('big-copy.bin')).res.headers['content-length'], String(5 * 1024 * 1024 + 123), 'size');
  });
  await check('deleteMulti', async () => {
    await client.put('dm/1', Buffer.from('1')); await client.put('dm/2', Buffer.from('2'));
    await client.deleteMulti(['dm/1', 'dm/2'], { quiet: true });
    eq(((await client.list({ prefix: 'dm/' })).objects || []).length, 0, 'left');
  });
  await check('control characters: list then deleteMulti', async () => {
    await client.put('ctl/a\x01b', Buffer.from('c'));
    const objs = (await client.list({ prefix: 'ctl/', 'encoding-type': 'url' })).objects || [];
    const names = objs.map((o) => decodeURIComponent(o.name)); // encoding-type=url: ali-oss leaves the names encoded
    eq(names, ['ctl/a\x01b'], 'listed');
    await client.deleteMulti(names, { quiet: true });
    eq(((await client.list({ prefix: 'ctl/' })).objects || []).length, 0, 'left');
  });
  await check('copy with If-None-Match matching -> 304', async () => {
    const h = await client.head('tagged.txt');
    const r = await client.copy('copy.txt', 'tagged.txt', { headers: { 'x-oss-copy-source-if-none-match': h.res.headers.etag } });
    eq(r.res.status, 304, 'status');
  });
  await check('getBucketVersions shows version null', async () => {
    const r = await client.getBucketVersions({ prefix: 'tagged' });
    eq(r.objects.map((o) => [o.name, o.versionId]), [['tagged.txt', 'null']], 'versions');
  });
  await check('deleteBucket after emptying', async () => {
    for (;;) {
      const r = await client.list({ 'max-keys': 1000, 'encoding-type': 'url' });
      if (!r.objects || !r.objects.length) break;
      await client.deleteMulti(r.objects.map((o) => decodeURIComponent(o.name)), { quiet: true });
    }
    await client.deleteBucket(bucket);
  });
  console.log(`ali-oss ${style} ${v4 ? 'v4' : 'v1'} ${endpoint}: ${passed}/${passed + failed} passed`);
  process.exit(failed ? 1 : 0);
})();
