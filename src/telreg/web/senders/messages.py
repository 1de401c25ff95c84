"""The words of the sender portal and the officers' sender pages that code looks up by key: vocabulary chosen
at run time (registers, plans, states, documents), flash messages and error explanations.

The sentences are English msgids; their Chinese lives in the catalogs (src/telreg/locale). Words a template
shows as they are written stay in the template, as ``_("…")``.
"""

from __future__ import annotations

from telreg.core.i18n import NP_, N_, Msgid

SENDER_MESSAGES: dict[str, Msgid] = {
    "capacity": N_("Applying as"),
    "capacity_individual": N_("Individual"),
    "capacity_hk-company": N_("Hong Kong company"),
    "capacity_overseas-company": N_("Overseas company"),
    "capacity_other-organisation": N_("Other organisation"),
    "plan_12-months": N_("12 months"),
    "plan_3-months": N_("3 months"),
    "plan_none": N_("Not wanted"),
    "method_cheque": N_("Cheque"),
    "method_payment-by-phone": N_("Payment by Phone"),
    "method_cash": N_("Cash"),
    "state_applied": N_("Applied"),
    "state_awaiting-documents": N_("Awaiting documents"),
    "state_awaiting-payment": N_("Awaiting payment"),
    "state_active": NP_("state_active", "Active"),
    "state_expired": N_("Expired (grace period)"),
    "state_cancelled": N_("Cancelled"),
    "state_pending_all": N_("Waiting for documents or payment"),
    "state_note_applied": N_(
        "Your application is being processed: upload the documents below and pay the fees; the "
        "account is activated when both are done."),
    "state_note_awaiting-documents": N_(
        "Your fees are paid; the account is activated once your documents are accepted."),
    "state_note_awaiting-payment": N_(
        "Your documents are accepted; the account is activated once the fees are paid."),
    "state_note_expired": N_(
        "Your subscription has expired. You can renew it below; downloads and checks reopen once "
        "the renewal is paid. After two months without renewal the account is cancelled."),
    "state_note_cancelled": N_("This account is cancelled."),
    "period_active": NP_("period_active", "Active"),
    "period_grace": N_("Expired (grace period)"),
    "period_lapsed": N_("Lapsed"),
    "period_not-started": N_("Not started yet"),
    "doc_hkid-copy": N_("Copy of the Hong Kong identity card"),
    "doc_certificate-of-incorporation": N_("Certificate of incorporation"),
    "doc_business-registration": N_("Business registration certificate"),
    "doc_overseas-registration": N_("Certificate of incorporation or registration in the place of origin"),
    "doc_organisation-registration": N_("Certificate of registration of the organisation"),
    "doc_authorisation-letter": N_("Letter authorising the applicant to act for the organisation"),
    "doc_status_missing": N_("Not uploaded yet"),
    "doc_status_submitted": N_("Uploaded, waiting for review"),
    "doc_status_accepted": N_("Accepted"),
    "doc_status_rejected": N_("Rejected"),
    "doc_status_superseded": N_("Replaced"),
    "order_kind_application": N_("new subscription"),
    "order_kind_renewal": N_("renewal"),
    "contact_email": N_("Contact email"),
    "password_again": N_("Password again"),
    "security_question": N_("Security question"),
    "renew_title": N_("Renew"),
    "renew_hint": N_(
        "A renewal starts on the current expiry date, so no day is lost or paid twice. It takes "
        "effect when the payment is recorded."),
    "renew_none": N_("Do not renew"),
    "renew_option": N_("%(plan)s for %(fee)s: %(starts)s to %(expires)s"),
    "renew_button": N_("Order the renewal"),
    "renew_cancel": N_("Withdraw renewal order %(id)s"),
    "doc_rejected_reason": N_("Rejected: %(reason)s"),
    "flash_document_uploaded": N_("%(filename)s was uploaded."),
    "flash_renewal_ordered": N_(
        "Renewal order %(id)s was made; it takes effect when the payment is recorded."),
    "flash_renewal_cancelled": N_("Renewal order %(id)s was withdrawn."),
    "captcha_wrong": N_("The characters typed do not match the picture. Try again with the new picture."),
    "log_in": N_("Log in"),
    "flash_logged_out": N_("You have logged out."),
    "current_password": N_("Current password"),
    "new_password": N_("New password"),
    "flash_password_changed": N_("Your password was changed."),
    "flash_password_reset": N_("Your password was changed; log in with the new password."),
    "downloads_kind_numbers": N_("Numbers only"),
    "downloads_kind_dated": N_("Numbers with registration dates"),
    "downloads_kind_changes": N_("Changes since the previous publication"),
    "bytes": N_("%(size)s bytes"),
    "check_numbers": N_("Numbers, one per line"),
    "flash_key_revoked": N_("The key %(label)s was revoked."),
    "doc_reject_reason": N_("Reason for rejecting: %(doc)s"),
    "flash_documents_accepted": N_("The documents of account %(id)s were accepted."),
    "flash_document_rejected": N_(
        "Document %(id)s was rejected; an email with the reason is queued for the sender."),
    "flash_payment_partial": N_(
        "The payment on order %(id)s was recorded; %(outstanding)s is still outstanding."),
    "flash_payment_settled": N_("Order %(id)s is paid in full."),
    "flash_payment_settled_active": N_(
        "Order %(id)s is paid in full; the account is active and an email to the sender is queued."),
    "flash_automation_on": N_("Automation was enabled for account %(id)s."),
    "flash_automation_off": N_("Automation was disabled for account %(id)s; its keys no longer work."),
    "sign_in_status": N_("Failed log-ins: %(count)s"),
    "locked_until": N_("Locked until %(at)s"),
    "flash_unlocked": N_("Account %(id)s was unlocked."),
    "fees_in_force": N_("Fees in force on %(date)s"),
    "flash_fee_revised": N_("The %(plan)s fee from %(date)s was published."),
    "error_invalid_input": NP_("error_invalid_input", "The information given is not valid."),
    "error_login_failed": N_("The username or password is not correct."),
    "error_account_locked": N_("Too many wrong attempts: this account is locked for a while."),
    "error_one_time_password_expired": N_("The one-time password has expired; ask OFCA for a new one."),
    "error_reset_failed": N_("The username or the answer to the security question is not correct."),
    "error_wrong_current_password": N_("The current password is not correct."),
    "error_weak_password": N_("The password is not acceptable."),
    "error_username_taken": N_("This username is taken; choose another."),
    "error_unknown_register": N_("Unknown register."),
    "error_wrong_document_type": N_("This document is not needed for this application."),
    "error_missing_documents": N_("Some documents are missing or were rejected."),
    "error_unacceptable_file": N_("The file is empty, too large, or not a PDF, PNG or JPEG file."),
    "error_account_cancelled": N_("This account is cancelled; apply again as a new applicant."),
    "error_account_not_found": N_("There is no such account."),
    "error_duplicate_payment": N_("This payment reference was already recorded."),
    "error_overpayment": N_("The amount is more than what is outstanding."),
    "error_order_not_payable": N_("This order cannot be paid or changed."),
    "error_renewal_pending": N_("A renewal order is already waiting for payment."),
    "error_register_not_held": N_("The account does not subscribe to this register."),
    "error_wrong_state": N_("This cannot be done in the account's present state."),
    "error_too_many_numbers": N_("At most 100 numbers can be checked at a time."),
    "error_register_not_usable": N_("The account may not use this register now."),
    "error_publication_not_found": N_("That publication or file is not available."),
    "error_bad_file_name": N_("That is not the name of a register file."),
    "error_api_access_disabled": N_("Automation is not enabled for this account."),
    "error_api_key_not_found": N_("There is no such key."),
    "error_too_many_api_keys": N_("The account has as many keys as allowed; revoke one first."),
    "error_password_change_required": N_("Change your password first."),
    "error_conflict": N_("This conflicts with what is already recorded."),
    "error_not_found": N_("Not found."),
    "error_permission_denied": N_("Not allowed."),
    "flash_lists_imported": N_(
        "%(recorded)s instructions recorded (consents: %(consents)s; unsubscribes: "
        "%(unsubscribes)s)."),
    "flash_lists_imported_again": N_(
        "%(recorded)s instructions recorded (consents: %(consents)s; unsubscribes: "
        "%(unsubscribes)s); %(already)s already recorded, not added again."),
    "lists_current_consent": N_("%(number)s: consent, given %(at)s."),
    "lists_current_unsubscribe": N_("%(number)s: unsubscribed, asked %(at)s."),
    "lists_instruction_consent": N_("Consent"),
    "lists_instruction_unsubscribe": N_("Unsubscribe"),
    # How an instruction was given: the usual values in words (any other is the sender's own word, shown as typed).
    "lists_how_not-stated": N_("Not stated"),
    "lists_how_web-form": N_("Web form"),
    "lists_how_reply-stop": N_("Reply STOP"),
    "lists_how_call": N_("Phone call"),
    "lists_how_written": N_("In writing"),
    # Who recorded it: the sender signed in on these pages, or a script with one of the account's API keys.
    "lists_by_sender": N_("On this site"),
    "lists_by_api-key": N_("By a script (API key)"),
    "lists_current_title": N_("Current state"),
    "lists_current_first": N_("The first %(shown)s numbers; export the list for all of them."),
    "error_instruction_refused": N_("This instruction cannot be recorded."),
    "error_instructions_file_refused": N_(
        "The file was not recorded: correct the lines listed and upload it again."),
    "wash_file_hint": N_(
        "Text with one number per line, or a CSV with a header (name the column below), or a zip of "
        "one; up to %(max_mb)s MB."),
    "wash_state_queued": N_("Waiting to start"),
    "wash_state_running": N_("Washing"),
    "wash_state_done": N_("Done"),
    "wash_state_failed": N_("Failed"),
    "wash_state_expired": N_("Results deleted"),
    "decision_rejected_invalid": N_("Not a valid number"),
    "decision_duplicate": N_("Repeated line"),
    "decision_blocked_unsubscribed": N_("Unsubscribed on your list"),
    "decision_allowed_consent": N_("Consent on your list"),
    "decision_blocked_dnc": N_("Listed and protected"),
    "decision_allowed_not_yet_protected": N_("Listed, not yet protected"),
    "decision_allowed": NP_("decision_allowed", "Not listed"),
    "wash_file_kept_csv": N_("Lines that may be sent"),
    "wash_file_rejected_csv": N_("Lines that may not be sent, with why"),
    "wash_file_report_json": N_("Report"),
    "wash_file_receipt_json": N_("Scrub receipt"),
    "error_wash_refused": N_("The list cannot be washed as uploaded."),
    "error_wash_not_found": N_("There is no such wash on your account."),
    "error_wash_reference_reused": N_(
        "This reference already names a different upload; use a new reference."),
    "error_wash_not_ready": N_("This wash has no results to download."),
    "error_wash_expired": N_("The results of this wash have been deleted; upload the list again."),
    "lists_choose_file": N_("Choose the CSV file to upload (header number,instruction,at)."),
    "wash_choose_file": N_("Choose the calling list to upload (text, CSV or a zip of one)."),
    "wash_bad_date": N_("“%(value)s” is not a date such as 2026-03-20."),
    "no_plan_chosen": N_(
        "Choose a plan for at least one register: with every register “Not wanted” the application "
        "would cover nothing."),
    "wash_no_register": N_("Choose the register to wash the list against."),
    "lists_too_large": N_(
        "%(file)s is larger than %(limit)s, the most one upload may be: split it; nothing was recorded."),
    "confirm_revoke_key_title": N_("Revoke an API key"),
    "confirm_revoke_key": N_(
        "Revoke the key %(label)s? Scripts that use it are refused from then on. This cannot be undone."),
    "confirm_revoke_key_button": N_("Yes, revoke the key"),
    "confirm_withdraw_renewal_title": N_("Withdraw a renewal order"),
    "confirm_withdraw_renewal": N_(
        "Withdraw renewal order %(id)s? Your registers are not renewed unless you order a renewal again."),
    "confirm_withdraw_renewal_button": N_("Yes, withdraw the order"),
}
