/** TEST DOUBLE. The account, region and identifier formats of the ECS double's ARNs. */
import { randomBytes } from 'node:crypto';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const arn = (resource: string) => `arn:aws:ecs:${REGION}:${ACCOUNT}:${resource}`;
export const id = (n = 16) => randomBytes(n).toString('hex');
/** Service deployment ids look like the API reference's `NCWGC2ZR-taawPAYrIaU5` (21 URL-safe characters). */
export const deploymentId = () => randomBytes(16).toString('base64url').slice(0, 21);
