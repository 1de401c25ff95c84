"""The e-Cert certification authority (issue 15): certificates for identities verified by the real-name module.

    offline root CA (encrypted PKCS#8 file, or an HSM key)
      └── issuing CA ──┬── subscriber certificates (personal, organisational, server)
                       ├── OCSP-signing certificate (delegated responder)
                       └── document-signing certificate (registers, scrub receipts, audit checkpoints)

Modules: ``models`` (tables), ``keys`` (where CA keys live and how they sign), ``revocation`` (the status
changes every other module goes through), the rest one use case each.
"""
