package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// preparedMax bounds the statements gorm keeps prepared on SQLite's read handle.
const preparedMax = 512

// preparedStmts are statements prepared once on SQLite's writer for the hot write
// transactions that run raw SQL (RecordInvitationSent). database/sql binds such a
// statement to a transaction's connection without compiling it again, since the writer
// has one connection and the statement is already prepared on it; a statement run
// inside a transaction otherwise, as gorm's are, is compiled in every transaction.
type preparedStmts struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// prepare returns query prepared on the writer. Call it before the transaction
// begins: the writer's one connection is the transaction's until it ends, so preparing
// inside would wait for it forever.
func (s *Store) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	p := &s.writerStmts
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.m[query]; ok {
		return st, nil
	}
	st, err := s.wSQL.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	if p.m == nil {
		p.m = map[string]*sql.Stmt{}
	}
	p.m[query] = st
	return st, nil
}

// close closes the prepared statements.
func (p *preparedStmts) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	for _, st := range p.m {
		err = errors.Join(err, st.Close())
	}
	p.m = nil
	return err
}
