// Package creds finds credentials sent in cleartext: HTTP Basic and Digest
// (user name only), HTML form posts with password-like fields, FTP
// USER/PASS, Telnet logins (prompt-driven), POP3 USER/PASS, IMAP LOGIN,
// SASL PLAIN and LOGIN in POP3/IMAP/SMTP AUTH, SNMPv1/v2c communities and
// SIP Digest user names. Each distinct credential becomes one
// cleartext_credentials finding (ATT&CK T1552 Unsecured Credentials, T1040
// Network Sniffing; modest confidence) with its service, client, server,
// user name and frames, and the server's verdict where one follows.
//
// Secrets are masked by default ("p******d (8)"); Config.RevealSecrets
// shows them. Login conversations are recognised by the server's
// well-known port (21, 23, 25, 110, 143, 587; SNMP 161/162), HTTP through
// the httpx request hook, SIP by its request line on any port. Input is
// hostile: lines are capped at 1 KiB and tables by Config. The detectors
// of a pass split into shards (disjoint sets of flows) are combined with
// [Detector.Merge].
package creds
