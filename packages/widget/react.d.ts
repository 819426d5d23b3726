// React 19 JSX typings for <secure-sign>: `import type {} from '@secure-sign/widget/react';`
// once in a React project (the global JSX namespace is covered by the package itself).
import type { SecureSignJSXAttributes } from '@secure-sign/widget';

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
      'secure-sign': SecureSignJSXAttributes;
    }
  }
}
