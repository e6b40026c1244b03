// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DatanetRegistry
/// @notice Anchors each Datanet epoch's roots on-chain: one immutable commit per (Datanet, epoch).
/// @dev Roles are per Datanet rather than global so that one deployment can serve many communities
///      without one community's admin being able to write another's history.
///      The audit root is the head of the Datanet's hash-chained audit log at the epoch's
///      finalisation. The metadata URI lives in the EpochCommitted event only: storing it cost one
///      slot per 32 bytes (three for an ipfs:// URI), which pays for the audit root's slot.
contract DatanetRegistry {
    struct EpochCommit {
        bytes32 datasetRoot;
        bytes32 contributionsRoot;
        bytes32 modelHash;
        bytes32 settlementRoot;
        bytes32 auditRoot;
        address committer;
        uint64 committedAt;
    }

    mapping(bytes32 datanetId => address) public adminOf;
    mapping(bytes32 datanetId => mapping(address => bool)) public isCommitter;
    /// @notice Where the Datanet's rewards are claimed, so a contributor needs only the registry address.
    mapping(bytes32 datanetId => address) public distributorOf;
    mapping(bytes32 datanetId => mapping(uint64 epoch => EpochCommit)) private _commits;

    event DatanetRegistered(bytes32 indexed datanetId, address indexed admin);
    event AdminTransferred(bytes32 indexed datanetId, address indexed previousAdmin, address indexed newAdmin);
    event CommitterSet(bytes32 indexed datanetId, address indexed account, bool allowed);
    event DistributorSet(bytes32 indexed datanetId, address indexed distributor);
    event EpochCommitted(
        bytes32 indexed datanetId,
        uint64 indexed epoch,
        bytes32 datasetRoot,
        bytes32 contributionsRoot,
        bytes32 modelHash,
        bytes32 settlementRoot,
        bytes32 auditRoot,
        address committer,
        string metadataURI
    );

    error DatanetAlreadyRegistered(bytes32 datanetId);
    error NotDatanetAdmin(bytes32 datanetId, address caller);
    error NotCommitter(bytes32 datanetId, address caller);
    error EpochAlreadyCommitted(bytes32 datanetId, uint64 epoch);
    error ZeroAddress();
    error EmptyDatasetRoot();

    modifier onlyAdmin(bytes32 datanetId) {
        if (adminOf[datanetId] != msg.sender) revert NotDatanetAdmin(datanetId, msg.sender);
        _;
    }

    /// @notice Claims a Datanet id; the caller becomes its admin. First come, first served.
    function registerDatanet(bytes32 datanetId) external {
        if (adminOf[datanetId] != address(0)) revert DatanetAlreadyRegistered(datanetId);
        adminOf[datanetId] = msg.sender;
        emit DatanetRegistered(datanetId, msg.sender);
    }

    function transferAdmin(bytes32 datanetId, address newAdmin) external onlyAdmin(datanetId) {
        if (newAdmin == address(0)) revert ZeroAddress();
        emit AdminTransferred(datanetId, msg.sender, newAdmin);
        adminOf[datanetId] = newAdmin;
    }

    function setCommitter(bytes32 datanetId, address account, bool allowed) external onlyAdmin(datanetId) {
        if (account == address(0)) revert ZeroAddress();
        isCommitter[datanetId][account] = allowed;
        emit CommitterSet(datanetId, account, allowed);
    }

    function setDistributor(bytes32 datanetId, address distributor) external onlyAdmin(datanetId) {
        distributorOf[datanetId] = distributor;
        emit DistributorSet(datanetId, distributor);
    }

    function commit(
        bytes32 datanetId,
        uint64 epoch,
        bytes32 datasetRoot,
        bytes32 contributionsRoot,
        bytes32 modelHash,
        bytes32 settlementRoot,
        bytes32 auditRoot,
        string calldata metadataURI
    ) external {
        if (!isCommitter[datanetId][msg.sender]) revert NotCommitter(datanetId, msg.sender);
        // A zero dataset root doubles as the "not committed" marker, so it cannot be committed.
        if (datasetRoot == bytes32(0)) revert EmptyDatasetRoot();
        EpochCommit storage c = _commits[datanetId][epoch];
        if (c.datasetRoot != bytes32(0)) revert EpochAlreadyCommitted(datanetId, epoch);
        c.datasetRoot = datasetRoot;
        if (contributionsRoot != bytes32(0)) c.contributionsRoot = contributionsRoot;
        if (modelHash != bytes32(0)) c.modelHash = modelHash;
        if (settlementRoot != bytes32(0)) c.settlementRoot = settlementRoot;
        if (auditRoot != bytes32(0)) c.auditRoot = auditRoot;
        c.committer = msg.sender;
        c.committedAt = uint64(block.timestamp);
        emit EpochCommitted(
            datanetId, epoch, datasetRoot, contributionsRoot, modelHash, settlementRoot, auditRoot, msg.sender, metadataURI
        );
    }

    function getCommit(bytes32 datanetId, uint64 epoch) external view returns (EpochCommit memory) {
        return _commits[datanetId][epoch];
    }

    function isCommitted(bytes32 datanetId, uint64 epoch) external view returns (bool) {
        return _commits[datanetId][epoch].datasetRoot != bytes32(0);
    }
}
