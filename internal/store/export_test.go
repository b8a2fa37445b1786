package store

// Setting reads a PostgreSQL setting as the transaction sees it, for the tests of
// package store_test.
func (q *Q) Setting(name string) (string, error) {
	var v string
	err := q.db.Raw("SELECT current_setting(?)", name).Scan(&v).Error
	return v, err
}
