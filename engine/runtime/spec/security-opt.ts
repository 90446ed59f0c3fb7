/** HostConfig.SecurityOpt parsing with dockerd's accepted forms and error texts. */
import { InvalidArgumentError } from '../../errors.js';

export interface SecurityOptions {
  noNewPrivileges: boolean;
  /** `undefined`: Docker's default profile; `unconfined`; or the JSON of a custom profile. */
  seccomp?: string;
  apparmor?: string;
  /** SELinux label options (accepted, not applied). */
  label: string[];
}

export function parseSecurityOpt(opts: readonly string[] | null | undefined): SecurityOptions {
  const out: SecurityOptions = { noNewPrivileges: false, label: [] };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    if (opt === 'disable') {
      out.label.push('disable');
      continue;
    }
    // `key=value`, or the deprecated `key:value`.
    const sep = opt.includes('=') ? opt.indexOf('=') : opt.indexOf(':');
    if (sep < 0) throw new InvalidArgumentError(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const key = opt.slice(0, sep);
    const value = opt.slice(sep + 1);
    switch (key) {
      case 'label':
        out.label.push(value);
        break;
      case 'apparmor':
        out.apparmor = value;
        break;
      case 'seccomp':
        out.seccomp = value === 'builtin' || value === '' ? undefined : value;
        break;
      case 'no-new-privileges':
        if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(value)) {
          throw new InvalidArgumentError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        }
        out.noNewPrivileges = /^(1|t|T|TRUE|true|True)$/.test(value);
        break;
      default:
        throw new InvalidArgumentError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}
