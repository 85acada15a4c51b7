/*
 * ndr_kafka_checkpoint.h - what ndr-detect needs to resume a partition
 * without double alerts (host/detect/detect.h explains the scheme;
 * docs/fleet.md "Exactly once"): deterministic alert ids, the set of ids
 * already in an alerts partition, and the checkpoint kept in the
 * committed offset's metadata.
 */
#ifndef NDR_KAFKA_CHECKPOINT_H
#define NDR_KAFKA_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define NDR_CKPT_ID_LEN 320

/* "TOPIC/PARTITION/OFFSET/N": the N-th alert (from 0) raised while the
 * record at OFFSET of the records topic's PARTITION was processed. */
void ndr_ckpt_alert_id(const char *topic, int32_t partition, int64_t offset, unsigned n,
		       char *buf, size_t len);
/* "TOPIC/PARTITION/": what every id of that partition starts with. */
void ndr_ckpt_id_prefix(const char *topic, int32_t partition, char *buf, size_t len);

/* The commit metadata: "ndr-detect/1 alerts=W". parse: 0, or -1 when the
 * text is not one (an offset committed by something else). */
void ndr_ckpt_format(int64_t alerts_mark, char *buf, size_t len);
int ndr_ckpt_parse(const void *meta, size_t len, int64_t *alerts_mark);

/* A set of alert ids. add: 0, or -1 out of memory. */
struct ndr_ckpt_seen;
struct ndr_ckpt_seen *ndr_ckpt_seen_new(void);
int ndr_ckpt_seen_add(struct ndr_ckpt_seen *s, const char *id);
int ndr_ckpt_seen_has(const struct ndr_ckpt_seen *s, const char *id);
size_t ndr_ckpt_seen_count(const struct ndr_ckpt_seen *s);
void ndr_ckpt_seen_free(struct ndr_ckpt_seen *s);

/* The id an EVE alert line carries (ndr.alert_id), copied into id; 0, or
 * -1 when it has none. */
int ndr_ckpt_id_of_alert(const void *json, size_t len, char *id, size_t idlen);

/* Reads partition `partition` of the alerts topic from offset `from` to
 * its end, with scanner (a consumer without a group), adding the ids that
 * start with prefix. 0, or -1 with "kafka: ..." in err. */
struct rd_kafka_s;
int ndr_ckpt_scan(struct rd_kafka_s *scanner, const char *topic, int32_t partition,
		  int64_t from, const char *prefix, struct ndr_ckpt_seen *s, unsigned timeout_ms,
		  char *err, size_t errlen);

#endif
