# eve_check.jq - what Suricata's EVE JSON schema (OISF/suricata etc/schema.json)
# requires of and forbids in the events ndr writes, checked without the schema file:
#   jq -r -f tests/tools/eve_check.jq FILE   prints "LINE: what is wrong" per fault.
# The key lists are the schema's own (its "additionalProperties": false objects);
# keep them in step with it (docs/alerts.md "Checking against Suricata's schema").

def top_keys: ["alert","anomaly","app_proto","app_proto_expected","app_proto_orig",
  "app_proto_tc","app_proto_ts","arp","bittorrent_dht","capture_file","community_id",
  "dcerpc","dest_ip","dest_port","dhcp","direction","dnp3","dns","drop","email","engine",
  "enip","ether","event_type","fileinfo","files","firewall","flow","flow_id","frame","ftp",
  "ftp_data","host","http","icmp_code","icmp_type","igmp","ike","in_iface","ip_v","krb5",
  "ldap","llmnr","log_level","mdns","metadata","modbus","mqtt","ndpi","netflow","nfs","ntp",
  "packet","packet_info","parent_id","payload","payload_length","payload_printable",
  "pcap_cnt","pcap_filename","pgsql","pkt_src","pop3","proto","quic","rdp",
  "response_icmp_code","response_icmp_type","rfb","rgmp","rpc","sctp","sip","smb","smtp",
  "snmp","spi","src_ip","src_port","ssh","stats","stream","stream_tcp","sub_state",
  "suricata_version","tc_progress","tcp","template","tftp","timestamp","tls","traffic",
  "ts_progress","tunnel","tx_guessed","tx_id","verdict","vlan","websocket"];
def alert_keys: ["action","category","context","engine","gid","metadata","references","rev",
  "rule","severity","signature","signature_id","source","target","xff"];
def flow_keys: ["action","age","alerted","bypass","bypassed","bytes_toclient",
  "bytes_toserver","dest_ip","dest_port","elephant","elephant_direction","emergency","end",
  "exception_policy","pkts_toclient","pkts_toserver","reason","src_ip","src_port","start",
  "state","tx_cnt","wrong_thread"];
def tcp_keys: ["ack","cwr","ecn","fin","psh","rst","state","syn","tc_gap","tc_max_regions",
  "tc_urgent_oob_data","tcp_flags","tcp_flags_tc","tcp_flags_ts","ts_gap","ts_max_regions",
  "ts_urgent_oob_data","urg"];
def dns_keys: ["aa","additionals","answer","answers","authorities","flags","grouped","id",
  "opcode","qr","queries","query","ra","rcode","rd","rrname","rrtype","tc","tx_id","type",
  "version","z"];
def tls_keys: ["certificate","chain","client","client_alpns","client_handshake","fingerprint",
  "from_proto","issuerdn","ja3","ja3s","ja4","notafter","notbefore","serial","server_alpns",
  "server_handshake","session_resumed","sni","subject","subjectaltname","version"];
def tls_client_handshake_keys: ["ciphers","exts","sig_algs","version"];
def tls_server_handshake_keys: ["cipher","exts","version"];
def ja3_keys: ["hash","string"];
def dns_answer_keys: ["rdata","rrname","rrtype","soa","srv","sshfp","ttl"];
def dns_grouped_keys: ["A","AAAA","CNAME","MX","NS","NULL","PTR","SOA","SRV","SSHFP","TXT"];
def stats_keys: ["app_layer","capture","decoder","defrag","detect","exception_policy",
  "file_store","firewall","flow","flow_bypassed","ftp","host","http","ippair","ips",
  "memcap","pcap_log","sctp","stream","tcp","uptime"];
# the stats objects ndr writes, with the keys the schema allows in each
def stats_object_keys: {
  capture: ["afpacket","errors","kernel_drops","kernel_ifdrops","kernel_packets"],
  decoder: ["arp","avg_pkt_size","bytes","chdlc","erspan","esp","etag","ethernet","event",
    "geneve","gre","icmpv4","icmpv6","ieee8021ah","igmp","invalid","ipv4","ipv4_in_ipv4",
    "ipv4_in_ipv6","ipv6","ipv6_in_ipv4","ipv6_in_ipv6","max_mac_addrs_dst",
    "max_mac_addrs_src","max_pkt_size","mpls","nsh","null","pkts","ppp","pppoe","raw","sctp",
    "sll","sll2","tcp","teredo","too_many_layers","udp","unknown_ethertype","vlan",
    "vlan_qinq","vlan_qinqinq","vntag","vxlan"],
  flow: ["active","elephant","elephant_toclient","elephant_toserver","emerg_mode_entered",
    "emerg_mode_over","end","get_used","get_used_eval","get_used_eval_busy",
    "get_used_eval_reject","get_used_failed","icmpv4","icmpv6","memcap","memuse","mgr",
    "recycler","spare","tcp","tcp_reuse","total","udp","wrk"],
  detect: ["alert","alert_queue_overflow","alerts_suppressed","engines","lua","match_list",
    "mpm_list","thresholds"]};
def metadata_keys: ["entropy","flowbits","flowints","flowvars","pktvars"];
def endpoint_keys: ["ip","port"];
# alert.metadata's named keys are arrays of at least one string; others are free
def alert_metadata_lists: ["affected_product","attack_target","created_at","deployment",
  "former_category","malware_family","policy","signature_severity","tag","updated_at"];

def extra($allowed): (keys - $allowed);
def is_int: type == "number" and . == floor;
def int_list: type == "array" and length >= 1 and all(.[]; is_int);
def str_list: type == "array" and length >= 1 and all(.[]; type == "string");

input_line_number as $n | . as $e |
[
  (if type != "object" then "not a JSON object" else empty end),
  (($e | extra(top_keys))[] | "top-level key \(.) is not in Suricata's schema"),
  (if has("event_type") | not then "no event_type" elif (.event_type | type) != "string"
     then "event_type is not a string" else empty end),
  (if has("timestamp") | not then "no timestamp"
   elif (.timestamp | type) != "string" or
        (.timestamp | test("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d+[+\\-]\\d+$") | not)
     then "timestamp \(.timestamp) is not in Suricata's format" else empty end),
  (["flow_id","src_port","dest_port","icmp_type","icmp_code","pcap_cnt","tx_id"][] as $k |
     select($e | has($k)) | select($e[$k] | is_int | not) | "\($k) is not an integer"),
  (["src_ip","dest_ip","proto","community_id","app_proto","host","in_iface"][] as $k |
     select($e | has($k)) | select(($e[$k] | type) != "string") | "\($k) is not a string"),
  (if has("vlan") and ((.vlan | type) != "array" or (.vlan | length) < 1 or
       any(.vlan[]; type != "number")) then "vlan is not a non-empty array of numbers"
   else empty end),
  (if has("alert") then .alert as $a |
     (($a | extra(alert_keys))[] | "alert.\(.) is not in Suricata's schema"),
     (["gid","signature_id","rev","severity"][] as $k |
        select(($a[$k] // null) | is_int | not) | "alert.\($k) is missing or not an integer"),
     (["action","signature","category"][] as $k |
        select(($a[$k] // null | type) != "string") | "alert.\($k) is missing or not a string"),
     (["source","target"][] as $k | select($a | has($k)) |
        (($a[$k] | extra(endpoint_keys))[] | "alert.\($k).\(.) is not in Suricata's schema")),
     (if ($a | has("metadata")) then
        (if ($a.metadata | type) != "object" then "alert.metadata is not an object" else
         (alert_metadata_lists[] as $k | select($a.metadata | has($k)) |
           select(($a.metadata[$k] | type) != "array" or ($a.metadata[$k] | length) < 1 or
                  any($a.metadata[$k][]; type != "string")) |
           "alert.metadata.\($k) is not a non-empty array of strings") end)
      else empty end)
   else empty end),
  (if has("flow") then .flow as $f |
     (($f | extra(flow_keys))[] | "flow.\(.) is not in Suricata's schema"),
     (["pkts_toserver","pkts_toclient","bytes_toserver","bytes_toclient","age"][] as $k |
        select($f | has($k)) | select($f[$k] | is_int | not) | "flow.\($k) is not an integer"),
     (if ($f | has("alerted")) and ($f.alerted | type) != "boolean"
        then "flow.alerted is not a boolean" else empty end)
   else empty end),
  (if has("tcp") then ((.tcp | extra(tcp_keys))[] | "tcp.\(.) is not in Suricata's schema")
   else empty end),
  (if has("dns") then
     ((.dns | extra(dns_keys))[] | "dns.\(.) is not in Suricata's schema"),
     (if (.dns | has("version")) | not then "dns.version is missing (the schema requires it)"
      elif (.dns.version | is_int | not) then "dns.version is not an integer" else empty end),
     (if (.dns | has("answers")) then
        (if (.dns.answers | type) != "array" or (.dns.answers | length) < 1
           then "dns.answers is not a non-empty array" else
         (.dns.answers[] | if type != "object" then "dns.answers[] holds a non-object" else
           ((extra(dns_answer_keys))[] | "dns.answers[].\(.) is not in Suricata's schema"),
           (select(has("ttl") and (.ttl | is_int | not)) | "dns.answers[].ttl is not an integer"),
           (. as $a | ["rdata","rrname","rrtype"][] as $k | select($a | has($k)) |
              select(($a[$k] | type) != "string") | "dns.answers[].\($k) is not a string")
           end)
         end)
      else empty end),
     (if (.dns | has("grouped")) then .dns.grouped as $g |
        (($g | extra(dns_grouped_keys))[] | "dns.grouped.\(.) is not in Suricata's schema"),
        ($g | keys[] as $k | select($g[$k] | str_list | not) |
           "dns.grouped.\($k) is not a non-empty array of strings")
      else empty end)
   else empty end),
  (if has("stats") then .stats as $s |
     (if ($s | type) != "object" then "stats is not an object" else
      (($s | extra(stats_keys))[] | "stats.\(.) is not in Suricata's schema"),
      (if ($s | has("uptime")) and ($s.uptime | is_int | not)
         then "stats.uptime is not an integer" else empty end),
      (stats_object_keys | to_entries[] | .key as $o | .value as $allowed |
         select($s | has($o)) | $s[$o] as $v |
         (($v | extra($allowed))[] | "stats.\($o).\(.) is not in Suricata's schema"),
         ($v | to_entries[] | select(.value | is_int | not) |
            "stats.\($o).\(.key) is not an integer"))
      end)
   else empty end),
  (if has("tls") then
     ((.tls | extra(tls_keys))[] | "tls.\(.) is not in Suricata's schema"),
     (["client_alpns","server_alpns"][] as $k | select($e.tls | has($k)) |
        select(($e.tls[$k] | type) != "array" or any($e.tls[$k][]; type != "string")) |
        "tls.\($k) is not an array of strings"),
     (if (.tls | has("client_handshake")) then .tls.client_handshake as $h |
        (($h | extra(tls_client_handshake_keys))[] |
           "tls.client_handshake.\(.) is not in Suricata's schema"),
        (["ciphers","exts","sig_algs"][] as $k | select($h | has($k)) |
           select($h[$k] | int_list | not) |
           "tls.client_handshake.\($k) is not a non-empty array of integers")
      else empty end),
     (if (.tls | has("server_handshake")) then .tls.server_handshake as $h |
        (($h | extra(tls_server_handshake_keys))[] |
           "tls.server_handshake.\(.) is not in Suricata's schema"),
        (if ($h | has("cipher")) and ($h.cipher | is_int | not)
           then "tls.server_handshake.cipher is not an integer" else empty end),
        (if ($h | has("exts")) and ($h.exts | int_list | not)
           then "tls.server_handshake.exts is not a non-empty array of integers" else empty end)
      else empty end),
     (["ja3","ja3s"][] as $k | select($e.tls | has($k)) | $e.tls[$k] as $j |
        (($j | extra(ja3_keys))[] | "tls.\($k).\(.) is not in Suricata's schema"),
        (select(($j.hash | type) != "string" or ($j.string | type) != "string") |
           "tls.\($k) hash or string is not a string")),
     (if (.tls | has("ja4")) and (.tls.ja4 | type) != "string"
        then "tls.ja4 is not a string" else empty end)
   else empty end),
  (if has("metadata") then .metadata as $m |
     (($m | extra(metadata_keys))[] | "metadata.\(.) is not in Suricata's schema"),
     (if ($m | has("flowbits")) and (($m.flowbits | type) != "array" or
          ($m.flowbits | length) < 1 or any($m.flowbits[]; type != "string"))
        then "metadata.flowbits is not a non-empty array of strings" else empty end),
     (["flowints","entropy"][] as $k | select($m | has($k)) |
        select(($m[$k] | type) != "object") | "metadata.\($k) is not an object")
   else empty end)
] | .[] | "\($n): \(.)"
