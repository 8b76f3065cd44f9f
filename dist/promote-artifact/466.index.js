export const id = 466;
export const ids = [466];
export const modules = {

/***/ 8466:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   createEcrCredentialProvider: () => (/* binding */ createEcrCredentialProvider),
/* harmony export */   ecrClientPool: () => (/* binding */ ecrClientPool),
/* harmony export */   ecrRetag: () => (/* binding */ ecrRetag),
/* harmony export */   ensureRepository: () => (/* binding */ ensureRepository),
/* harmony export */   isEcrHost: () => (/* reexport safe */ _ecr_host__WEBPACK_IMPORTED_MODULE_3__.R)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(8249);
/* harmony import */ var _errors__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1895);
/* harmony import */ var _secrets__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(3383);
/* harmony import */ var _ecr_host__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(589);
/* harmony import */ var _types__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(8369);
/**
 * Amazon ECR: recognising ECR hosts, registry credentials from GetAuthorizationToken (cached
 * until they expire), the native retag (BatchGetImage + PutImage, no blob traffic) and
 * repository creation. Everything goes through an injected ECRClient so tests use a mock.
 */






/** One ECRClient per region, made on first use (AWS credentials from the job's environment). */
function ecrClientPool() {
    const clients = new Map();
    return (region) => {
        let client = clients.get(region);
        if (!client)
            clients.set(region, (client = new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .ECRClient */ .S70({ region })));
        return client;
    };
}
/** Renew this long before ECR's expiry so a token never dies mid-promotion. */
const EXPIRY_MARGIN_MS = 5 * 60_000;
function createEcrCredentialProvider(opts) {
    const now = opts.now ?? Date.now;
    const cache = new Map();
    return {
        async credentials(host) {
            const ecr = (0,_ecr_host__WEBPACK_IMPORTED_MODULE_3__/* .isEcrHost */ .R)(host);
            if (!ecr)
                throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7(`registry ${host}`, 'is not an Amazon ECR host');
            const cached = cache.get(host);
            if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now())
                return cached;
            let answer;
            try {
                answer = await opts.clientFor(ecr.region).send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .GetAuthorizationTokenCommand */ .Eu6({ registryIds: [ecr.accountId] }));
            }
            catch (e) {
                throw awsError(e, `GetAuthorizationToken for account ${ecr.accountId} in ${ecr.region}`);
            }
            const data = answer.authorizationData?.[0];
            if (!data?.authorizationToken) {
                throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7('Amazon ECR', `GetAuthorizationToken returned no token for ${host}`, 'Check the AWS credentials and ecr:GetAuthorizationToken permission');
            }
            (0,_secrets__WEBPACK_IMPORTED_MODULE_1__/* .maskSecret */ .$l)(opts.reporter, data.authorizationToken);
            const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
            const colon = decoded.indexOf(':');
            if (colon < 0)
                throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7('Amazon ECR', 'GetAuthorizationToken returned a token that is not user:password');
            const creds = {
                username: decoded.slice(0, colon),
                password: decoded.slice(colon + 1),
                expiresAt: data.expiresAt ? data.expiresAt.getTime() : now() + 12 * 3600_000,
            };
            (0,_secrets__WEBPACK_IMPORTED_MODULE_1__/* .maskSecret */ .$l)(opts.reporter, creds.password);
            (0,_secrets__WEBPACK_IMPORTED_MODULE_1__/* .maskSecret */ .$l)(opts.reporter, decoded);
            cache.set(host, creds);
            return creds;
        },
    };
}
/**
 * Tags `sourceDigest` as `tag` inside one ECR repository without moving a byte of blob data.
 * Already tagged with that digest is success; an immutable tag holding another digest is a
 * clear error naming both.
 */
async function ecrRetag(ecr, req) {
    const where = `${req.repositoryName}@${req.sourceDigest}`;
    let got;
    try {
        got = await ecr.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .BatchGetImageCommand */ .P8n({
            registryId: req.registryId,
            repositoryName: req.repositoryName,
            imageIds: [{ imageDigest: req.sourceDigest }],
            acceptedMediaTypes: _types__WEBPACK_IMPORTED_MODULE_2__/* .MANIFEST_ACCEPT */ .dY.split(', '),
        }));
    }
    catch (e) {
        throw awsError(e, `BatchGetImage ${where}`);
    }
    const image = got.images?.[0];
    if (!image?.imageManifest) {
        const reason = got.failures?.[0]?.failureReason ?? 'image not found';
        throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7('Amazon ECR', `BatchGetImage ${where}: ${reason}`, 'Check that the source digest exists in this repository');
    }
    try {
        await ecr.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .PutImageCommand */ .SUU({
            registryId: req.registryId,
            repositoryName: req.repositoryName,
            imageManifest: image.imageManifest,
            imageManifestMediaType: image.imageManifestMediaType,
            imageTag: req.tag,
            imageDigest: req.sourceDigest,
        }));
        return 'tagged';
    }
    catch (e) {
        const name = e.name;
        if (name === 'ImageAlreadyExistsException')
            return 'already-tagged';
        if (name === 'ImageTagAlreadyExistsException') {
            const current = await digestOfTag(ecr, req);
            if (current === req.sourceDigest)
                return 'already-tagged';
            throw new _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7('Amazon ECR', `tag '${req.tag}' in immutable repository ${req.repositoryName} already holds ${current ?? 'another digest'}, not ${req.sourceDigest}`, 'Promote under a new tag; immutable tags cannot be moved');
        }
        throw awsError(e, `PutImage ${req.repositoryName}:${req.tag}`);
    }
}
async function digestOfTag(ecr, req) {
    try {
        const r = await ecr.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .DescribeImagesCommand */ .ji5({ registryId: req.registryId, repositoryName: req.repositoryName, imageIds: [{ imageTag: req.tag }] }));
        return r.imageDetails?.[0]?.imageDigest;
    }
    catch {
        return undefined;
    }
}
/**
 * Makes sure an ECR repository exists; new ones scan on push and have immutable tags.
 * Returns whether it was created.
 */
async function ensureRepository(ecr, repositoryName, registryId) {
    try {
        await ecr.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .DescribeRepositoriesCommand */ .pE_({ registryId, repositoryNames: [repositoryName] }));
        return false;
    }
    catch (e) {
        if (e.name !== 'RepositoryNotFoundException')
            throw awsError(e, `DescribeRepositories ${repositoryName}`);
    }
    try {
        await ecr.send(new _aws_sdk_client_ecr__WEBPACK_IMPORTED_MODULE_4__/* .CreateRepositoryCommand */ .WTe({
            registryId,
            repositoryName,
            imageScanningConfiguration: { scanOnPush: true },
            imageTagMutability: 'IMMUTABLE',
        }));
        return true;
    }
    catch (e) {
        // Another job created it between our two calls: that is what we wanted.
        if (e.name === 'RepositoryAlreadyExistsException')
            return false;
        throw awsError(e, `CreateRepository ${repositoryName}`);
    }
}
function awsError(e, what) {
    if (e instanceof _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7)
        return e;
    const err = e;
    const hint = /AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|CredentialsProvider/i.test(`${err.name} ${err.message}`)
        ? 'Check the AWS credentials (e.g. aws-actions/configure-aws-credentials) and the IAM permissions for ECR'
        : undefined;
    return new _errors__WEBPACK_IMPORTED_MODULE_0__/* .ServiceError */ ._7('Amazon ECR', `${what} failed: ${err.name}: ${err.message}`, hint);
}


/***/ })

};
